/** The app's validated configuration, for its providers. */
export const AUDIT_SINK_CONFIG = Symbol('lcm:audit-sink-config');
