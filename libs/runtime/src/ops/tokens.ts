export const SERVICE_NAME = Symbol('lcm:service-name');
export const METRICS_REGISTRY = Symbol('lcm:metrics-registry');
