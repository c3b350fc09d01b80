// Public API of @lcm/events.
export {};
