import {
  AuthConfig,
  EnvReader,
  LogLevelName,
  PlatformConfig,
  readAuthConfig,
  readPlatformConfig,
} from '@lcm/runtime';

export interface AuditSinkConfig {
  port: number;
  host: string;
  logLevel: LogLevelName;
  /** Stores: from the ETCD_* / MONGODB_URI settings, or shared ones handed in (embedded default, tests). */
  platform: PlatformConfig;
  /** How bearer tokens of the query endpoint are verified. */
  auth: AuthConfig;
  ingest: {
    /** Events per `insertMany` (AUDIT_SINK_BATCH_SIZE). */
    batchSize: number;
    /** Attempts per batch, then per event, before an event goes to the dead letters (AUDIT_SINK_MAX_ATTEMPTS). */
    maxAttempts: number;
    /** First retry delay, doubled per attempt (not an env setting: tests shorten it). */
    retryDelayMs: number;
    /** How often the consumer lag gauge is refreshed. */
    lagIntervalMs: number;
  };
  outbox: {
    /** Outbox keys are kept at least this long, consumed or not, so SSE clients can resume (OUTBOX_RETENTION_MINUTES). */
    retentionMinutes: number;
    /** How often the janitor sweeps the outbox (OUTBOX_GC_INTERVAL_SECONDS). */
    gcIntervalSeconds: number;
  };
}

export interface AuditSinkOverrides {
  platform?: PlatformConfig;
  auth?: AuthConfig;
}

/** MAX_EVENTS_PER_INSERT of the audit repository. */
const MAX_BATCH = 10_000;

/** AuditSink settings from the environment, validated at start-up (every problem reported at once). */
export function loadAuditSinkConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: AuditSinkOverrides = {},
): AuditSinkConfig {
  const read = new EnvReader(env);
  return read.done({
    port: read.int(
      'AUDIT_SINK_PORT',
      read.int('PORT', 3003, { min: 0, max: 65535 }),
      { min: 0, max: 65535 },
    ),
    host: read.string('AUDIT_SINK_HOST', read.string('HOST', '0.0.0.0')),
    logLevel: read.oneOf(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    platform: overrides.platform ?? readPlatformConfig(read, { docs: true }),
    auth: overrides.auth ?? readAuthConfig(read),
    ingest: {
      batchSize: read.int('AUDIT_SINK_BATCH_SIZE', 100, {
        min: 1,
        max: MAX_BATCH,
      }),
      maxAttempts: read.int('AUDIT_SINK_MAX_ATTEMPTS', 5, { min: 1, max: 100 }),
      retryDelayMs: 100,
      lagIntervalMs: 5_000,
    },
    outbox: {
      retentionMinutes: read.int('OUTBOX_RETENTION_MINUTES', 60, {
        min: 0,
        max: 10_080,
      }),
      gcIntervalSeconds: read.int('OUTBOX_GC_INTERVAL_SECONDS', 60, {
        min: 1,
        max: 86_400,
      }),
    },
  });
}
