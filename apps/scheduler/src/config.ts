import { hostname } from 'node:os';
import {
  checkLeaderLease,
  EnvReader,
  LogLevelName,
  PlatformConfig,
  readPlatformConfig,
} from '@lcm/runtime';
import { PLACEMENT_STRATEGIES } from '@lcm/scheduling';
import { SchedulerSettings } from './scheduler/scheduler-settings';

export interface SchedulerConfig {
  port: number;
  host: string;
  logLevel: LogLevelName;
  /** Stores: from the ETCD_* / MONGODB_URI settings, or shared ones handed in (embedded default, tests). */
  platform: PlatformConfig;
  scheduler: SchedulerSettings;
}

/** Scheduler settings from the environment, validated at start-up (every problem reported at once). */
export function loadSchedulerConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { platform?: PlatformConfig } = {},
): SchedulerConfig {
  const read = new EnvReader(env);
  const platform =
    overrides.platform ?? readPlatformConfig(read, { docs: true });
  // Template selection needs the worker templates, which live in the doc store.
  if (overrides.platform && !overrides.platform.docs)
    read.problem(
      'the scheduler needs a doc store (worker templates): pass platform.docs',
    );
  const leaseTtlSeconds = read.int('SCHEDULER_LEADER_LEASE_TTL_SECONDS', 10, {
    min: 2,
    max: 300,
  });
  checkLeaderLease(
    platform,
    'SCHEDULER_LEADER_LEASE_TTL_SECONDS',
    leaseTtlSeconds,
  );
  return read.done({
    port: read.int(
      'SCHEDULER_PORT',
      read.int('PORT', 3001, { min: 0, max: 65535 }),
      { min: 0, max: 65535 },
    ),
    host: read.string('SCHEDULER_HOST', read.string('HOST', '0.0.0.0')),
    logLevel: read.oneOf(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    platform,
    scheduler: {
      enabled: read.bool('SCHEDULER_ENABLED', true),
      replicaId: read.string(
        'SCHEDULER_REPLICA_ID',
        `${hostname()}-${process.pid}`,
      ),
      leaseTtlSeconds,
      reconcileIntervalSeconds: read.int(
        'SCHEDULER_RECONCILE_INTERVAL_SECONDS',
        30,
        { min: 1, max: 3600 },
      ),
      leadTimeMinutes: read.number('LEAD_TIME_MINUTES', 35, { min: 0 }),
      instantiationAllowanceMinutes: read.number(
        'INSTANTIATION_ALLOWANCE_MINUTES',
        15,
        { min: 0 },
      ),
      strategy: read.oneOf(
        'SCHEDULER_STRATEGY',
        PLACEMENT_STRATEGIES,
        'binpack',
      ),
      region: read.string('REGION', 'us-east-1'),
      templateRefreshSeconds: read.int(
        'SCHEDULER_TEMPLATE_REFRESH_SECONDS',
        60,
        { min: 1, max: 3600 },
      ),
      maxBatchSize: read.int('SCHEDULER_MAX_BATCH_SIZE', 32, {
        min: 1,
        max: 40,
      }),
      maxCommitsInFlight: read.int('SCHEDULER_MAX_COMMITS_IN_FLIGHT', 16, {
        min: 1,
        max: 256,
      }),
    },
  });
}
