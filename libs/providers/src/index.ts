// Public API of @lcm/providers.
export {};
