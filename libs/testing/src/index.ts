// Public API of @lcm/testing.
export {};
