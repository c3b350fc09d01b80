import { EnvReader, LogLevelName, PlatformConfig, readPlatformConfig } from '@lcm/runtime';

export interface AuditSinkConfig {
  port: number;
  host: string;
  logLevel: LogLevelName;
  /** Stores: from the ETCD_* / MONGODB_URI settings, or shared ones handed in (embedded default, tests). */
  platform: PlatformConfig;
}

/** AuditSink settings from the environment, validated at start-up (every problem reported at once). */
export function loadAuditSinkConfig(env: NodeJS.ProcessEnv = process.env, overrides: { platform?: PlatformConfig } = {}): AuditSinkConfig {
  const read = new EnvReader(env);
  return read.done({
    port: read.int('AUDIT_SINK_PORT', read.int('PORT', 3003, { min: 0, max: 65535 }), { min: 0, max: 65535 }),
    host: read.string('AUDIT_SINK_HOST', read.string('HOST', '0.0.0.0')),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    platform: overrides.platform ?? readPlatformConfig(read, { docs: true }),
  });
}
