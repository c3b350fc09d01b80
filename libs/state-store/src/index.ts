// Public API of @lcm/state-store.
export {};
