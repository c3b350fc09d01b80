import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultWorkerTemplatesPath } from '@lcm/doc-store';
import {
  AuthConfig,
  EnvReader,
  LogLevelName,
  PlatformConfig,
  readAuthConfig,
  readPlatformConfig,
} from '@lcm/runtime';

export interface ApiConfig {
  port: number;
  host: string;
  logLevel: LogLevelName;
  /** Stores: from the ETCD_* / MONGODB_URI settings, or shared ones handed in (embedded default, tests). */
  platform: PlatformConfig;
  /** Bearer-token verification (AUTH_JWT_SECRET | AUTH_JWT_PUBLIC_KEY[_FILE] | AUTH_JWKS_URL). */
  auth: AuthConfig;
  /** Requests per minute per identity (token subject, else client address) before 429. */
  rateLimitPerMinute: number;
  /** Seconds between SSE heartbeat comments on `GET /api/v1/events/stream`. */
  sseHeartbeatSeconds: number;
  /** Worker templates seeded (create-only) at start-up. */
  workerTemplatesFile: string;
  /** The deployment region (one LCM per region): admission only counts templates of this region. */
  region: string;
  /** Admission against the calendar (BOOKING_HORIZON_DAYS, CAPACITY_ADMISSION, MAX_WORKERS): see instances/booking-admission.ts. */
  booking: {
    bookingHorizonDays: number;
    capacityAdmission: boolean;
    maxWorkers: number;
  };
  /** Feature flags served by `GET /api/v1/features`. */
  features: { labletEnabled: boolean };
  /** Definition events younger than this are re-emitted at start-up when they were lost (hours). */
  definitionEventRecoveryHours: number;
  /** How long a consumed CloudEvent's (source, id) is remembered for deduplication (hours). */
  eventDedupHours: number;
  /** Browser origins allowed to call the api (CORS); empty: same origin only (the console at /console). */
  corsOrigins: string[];
  /** The built web console (Vite output) served at /console; undefined: looked up beside the bundle or in dist/apps/console. */
  consoleDir: string | undefined;
  /** Where the audit-sink serves `GET /api/v1/audit/events`; the api answers the same route through it. */
  auditSinkUrl: string | undefined;
}

export interface ApiConfigOverrides {
  platform?: PlatformConfig;
  /** The embedded launcher and tests hand in their own verifier settings (e.g. a generated secret). */
  auth?: AuthConfig;
}

/** Api settings from the environment, validated at start-up (every problem reported at once). */
export function loadApiConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ApiConfigOverrides = {},
): ApiConfig {
  const read = new EnvReader(env);
  const templatesFile = read.string('WORKER_TEMPLATES_CONFIG_PATH');
  if (templatesFile !== undefined && !existsSync(templatesFile))
    read.problem(`WORKER_TEMPLATES_CONFIG_PATH: no file at ${templatesFile}`);
  return read.done({
    port: read.int('API_PORT', read.int('PORT', 3000, { min: 0, max: 65535 }), {
      min: 0,
      max: 65535,
    }),
    host: read.string('API_HOST', read.string('HOST', '0.0.0.0')),
    logLevel: read.oneOf(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    platform: overrides.platform ?? readPlatformConfig(read, { docs: true }),
    auth: overrides.auth ?? readAuthConfig(read),
    rateLimitPerMinute: read.int('RATE_LIMIT_PER_MINUTE', 600, {
      min: 1,
      max: 1_000_000,
    }),
    sseHeartbeatSeconds: read.number('SSE_HEARTBEAT_SECONDS', 30, {
      min: 0.05,
      max: 3600,
    }),
    workerTemplatesFile: templatesFile ?? bundledTemplatesFile(),
    region: read.string('REGION', 'us-east-1'),
    booking: {
      bookingHorizonDays: read.number('BOOKING_HORIZON_DAYS', 90, { min: 0 }),
      capacityAdmission: read.bool('CAPACITY_ADMISSION', true),
      maxWorkers: read.int('MAX_WORKERS', 200, { min: 0 }),
    },
    features: { labletEnabled: read.bool('LABLET_ENABLED', true) },
    definitionEventRecoveryHours: read.number(
      'DEFINITION_EVENT_RECOVERY_HOURS',
      24,
      { min: 0, max: 24 * 365 },
    ),
    eventDedupHours: read.number('EVENT_DEDUP_TTL_HOURS', 24, {
      min: 0.001,
      max: 24 * 30,
    }),
    corsOrigins: readCorsOrigins(read),
    consoleDir: read.string('CONSOLE_DIR'),
    auditSinkUrl: readAuditSinkUrl(read),
  });
}

/**
 * The doc-store's shipped seed file. The webpack build copies it to `assets/` beside main.js (the
 * library's own path does not exist in a bundle); unbundled runs (tests, tsx) read it in place.
 */
export function bundledTemplatesFile(): string {
  const asset = join(__dirname, 'assets', 'worker-templates.yaml');
  return existsSync(asset) ? asset : defaultWorkerTemplatesPath();
}

/** `CORS_ORIGINS`: comma-separated origins (`https://ops.example.com`), or `*` for any. */
function readCorsOrigins(read: EnvReader): string[] {
  const origins = read.list('CORS_ORIGINS');
  for (const origin of origins) {
    if (
      origin !== '*' &&
      !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)
    )
      read.problem(
        `CORS_ORIGINS: ${origin} is not an origin (scheme://host[:port]) or *`,
      );
  }
  return origins;
}

/** `AUDIT_SINK_URL`: the audit-sink's base URL (`http://audit-sink:3003`), without a trailing slash. */
function readAuditSinkUrl(read: EnvReader): string | undefined {
  const url = read.string('AUDIT_SINK_URL');
  if (url === undefined) return undefined;
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(url))
    read.problem(`AUDIT_SINK_URL: ${url} is not an http(s) URL`);
  return url.replace(/\/+$/, '');
}
