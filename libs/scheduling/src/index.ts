// Public API of @lcm/scheduling.
export {};
