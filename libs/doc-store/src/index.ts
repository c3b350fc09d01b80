// Public API of @lcm/doc-store.
export {};
