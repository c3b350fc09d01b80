export const CONTROLLER_CONFIG = Symbol('lcm:controller-config');
export const DATA_PLANE = Symbol('lcm:controller-data-plane');
export const CONTROLLER_CLOCK = Symbol('lcm:controller-clock');
