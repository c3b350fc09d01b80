// Public API of @lcm/domain.
export {};
