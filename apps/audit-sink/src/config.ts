import { EnvReader, LogLevelName } from '@lcm/runtime';

export interface AuditSinkConfig {
  port: number;
  host: string;
  logLevel: LogLevelName;
}

/** AuditSink settings from the environment, validated at start-up. */
export function loadAuditSinkConfig(env: NodeJS.ProcessEnv = process.env): AuditSinkConfig {
  const read = new EnvReader(env);
  return read.done({
    port: read.int('AUDIT_SINK_PORT', read.int('PORT', 3003, { min: 0, max: 65535 }), { min: 0, max: 65535 }),
    host: read.string('AUDIT_SINK_HOST', read.string('HOST', '0.0.0.0')),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  });
}
