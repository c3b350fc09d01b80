import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type {
  Clock,
  LabRuntime,
  SimulatedProfile,
  WorkerProvider,
} from '@lcm/providers';
import {
  EnvReader,
  LogLevelName,
  PlatformConfig,
  readPlatformConfig,
} from '@lcm/runtime';

/** What the controller decides with: timings, limits and switches (SPEC, B-5). */
export interface ControllerSettings {
  /** CONTROLLER_ENABLED: false serves /healthz and /metrics but never campaigns nor acts. */
  enabled: boolean;
  /** CONTROLLER_REPLICA_ID: this replica's value of the leader key. */
  replicaId: string;
  /** CONTROLLER_RECONCILE_INTERVAL_SECONDS: a full pass at least this often (watches trigger more). */
  reconcileIntervalSeconds: number;
  /** CONTROLLER_LEADER_LEASE_TTL_SECONDS. */
  leaderLeaseTtlSeconds: number;
  /** CONTROLLER_REQUEUE_MILLISECONDS: how soon to look again while something is under way (a lab starting, a VM booting). */
  requeueDelayMs: number;
  /** CONTROLLER_RECONCILE_CONCURRENCY: workers (and their instances) reconciled at once. */
  concurrency: number;
  /**
   * CONTROLLER_STATUS_SYNC_SECONDS: how often a settled worker (running, draining, stopped) is
   * described to the cloud, however many passes run; starting and stopping workers are described
   * every pass. Keeps cloud API calls bounded while watches trigger many passes.
   */
  statusSyncSeconds: number;
  /** CONTROLLER_SCALE_DOWN_GRACE_PERIOD_MINUTES. */
  scaleDownGracePeriodMinutes: number;
  /** LEAD_TIME_MINUTES: instantiation starts this long before timeslotStart; scale-up looks this far ahead. */
  leadTimeMinutes: number;
  /** INSTANTIATION_TIMEOUT_MINUTES: longer in instantiating is stuck (retried or failed). */
  instantiationTimeoutMinutes: number;
  /** TERMINATED_RETENTION_MINUTES: terminated instances and workers are removed from etcd after this. */
  terminatedRetentionMinutes: number;
  /** AUTO_COLLECT_AT_TIMESLOT_END: running -> collecting at timeslotEnd (true) or running -> stopping (false). */
  autoCollectAtTimeslotEnd: boolean;
  /** COLLECTION_TIMEOUT_MINUTES: collecting or grading longer than this is abandoned. */
  collectionTimeoutMinutes: number;
  /**
   * DELETE_GRACE_SECONDS: how long a DELETE of an instance in grading waits for the grading result
   * (which, if it comes, lets the instance be stopped and archived with its score); then the lab is
   * removed and the instance force-terminated (`delete_grace_expired`). Every other state carries
   * out a delete at once.
   */
  deleteGraceSeconds: number;
  /** MIN_WARM_WORKERS per template of the region. */
  minWarmWorkers: number;
  /** MAX_WORKERS_PER_TEMPLATE. */
  maxWorkersPerTemplate: number;
  /** MAX_WORKERS. */
  maxWorkers: number;
  /** REGION: the deployment region (templates elsewhere are never used). */
  region: string;
}

/** Where the data plane (worker VMs, lab engines) is. */
export type DataPlaneConfig =
  /** An in-process simulated fleet (SIM_PROFILE, SIM_SEED, SIM_STATE_FILE to keep it across restarts). */
  | {
      kind: 'simulated';
      profile: SimulatedProfile;
      seed: number | string;
      stateFile?: string;
    }
  /** A data-plane server speaking the fleet wire format (tools/sim-cloud, or a gateway to a real cloud). */
  | { kind: 'http'; url: string; timeoutMs: number; retries: number }
  /** Ports handed in: the embedded default's shared fleet, tests. */
  | {
      kind: 'injected';
      provider: WorkerProvider;
      runtime: LabRuntime;
      description?: string;
    };

export interface ControllerConfig {
  port: number;
  host: string;
  logLevel: LogLevelName;
  /** Stores: from the ETCD_* / MONGODB_URI settings, or shared ones handed in (embedded default, tests). */
  platform: PlatformConfig;
  controller: ControllerSettings;
  dataPlane: DataPlaneConfig;
  /** The clock decisions are made with (default: system time). Tests pass a ManualClock. */
  clock?: Clock;
}

export interface ControllerConfigOverrides {
  platform?: PlatformConfig;
  /** An injected data plane, instead of PROVIDER / PROVIDER_URL / SIM_*. */
  dataPlane?: {
    provider: WorkerProvider;
    runtime: LabRuntime;
    description?: string;
  };
  clock?: Clock;
  /** Settings that win over the environment (tests). */
  controller?: Partial<ControllerSettings>;
}

function defaultReplicaId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Controller settings from the environment, validated at start-up (every problem reported at once). */
export function loadControllerConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ControllerConfigOverrides = {},
): ControllerConfig {
  const read = new EnvReader(env);
  const minutes = (name: string, fallback: number, min = 0) =>
    read.number(name, fallback, { min });
  const controller: ControllerSettings = {
    enabled: read.bool('CONTROLLER_ENABLED', true),
    replicaId: read.string('CONTROLLER_REPLICA_ID', defaultReplicaId()),
    reconcileIntervalSeconds: read.number(
      'CONTROLLER_RECONCILE_INTERVAL_SECONDS',
      30,
      { min: 0.05 },
    ),
    leaderLeaseTtlSeconds: read.int('CONTROLLER_LEADER_LEASE_TTL_SECONDS', 10, {
      min: 1,
      max: 3600,
    }),
    requeueDelayMs: read.int('CONTROLLER_REQUEUE_MILLISECONDS', 1000, {
      min: 10,
    }),
    concurrency: read.int('CONTROLLER_RECONCILE_CONCURRENCY', 16, {
      min: 1,
      max: 256,
    }),
    statusSyncSeconds: read.number('CONTROLLER_STATUS_SYNC_SECONDS', 30, {
      min: 0,
    }),
    scaleDownGracePeriodMinutes: minutes(
      'CONTROLLER_SCALE_DOWN_GRACE_PERIOD_MINUTES',
      30,
    ),
    leadTimeMinutes: minutes('LEAD_TIME_MINUTES', 35),
    instantiationTimeoutMinutes: minutes(
      'INSTANTIATION_TIMEOUT_MINUTES',
      15,
      0.001,
    ),
    terminatedRetentionMinutes: minutes('TERMINATED_RETENTION_MINUTES', 60),
    autoCollectAtTimeslotEnd: read.bool('AUTO_COLLECT_AT_TIMESLOT_END', true),
    collectionTimeoutMinutes: minutes('COLLECTION_TIMEOUT_MINUTES', 60, 0.001),
    deleteGraceSeconds: read.number('DELETE_GRACE_SECONDS', 60, {
      min: 0,
      max: 3600,
    }),
    minWarmWorkers: read.int('MIN_WARM_WORKERS', 0, { min: 0 }),
    maxWorkersPerTemplate: read.int('MAX_WORKERS_PER_TEMPLATE', 100, {
      min: 0,
    }),
    maxWorkers: read.int('MAX_WORKERS', 200, { min: 0 }),
    region: read.string('REGION', 'us-east-1'),
    ...overrides.controller,
  };
  if (controller.maxWorkersPerTemplate > controller.maxWorkers) {
    read.problem(
      `MAX_WORKERS_PER_TEMPLATE (${controller.maxWorkersPerTemplate}) cannot exceed MAX_WORKERS (${controller.maxWorkers})`,
    );
  }
  if (controller.minWarmWorkers > controller.maxWorkersPerTemplate) {
    read.problem(
      `MIN_WARM_WORKERS (${controller.minWarmWorkers}) cannot exceed MAX_WORKERS_PER_TEMPLATE (${controller.maxWorkersPerTemplate})`,
    );
  }
  return read.done({
    port: read.int(
      'CONTROLLER_PORT',
      read.int('PORT', 3002, { min: 0, max: 65535 }),
      { min: 0, max: 65535 },
    ),
    host: read.string('CONTROLLER_HOST', read.string('HOST', '0.0.0.0')),
    logLevel: read.oneOf(
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    platform: overrides.platform ?? readPlatformConfig(read, { docs: true }),
    controller,
    dataPlane: readDataPlane(read, overrides.dataPlane),
    ...(overrides.clock ? { clock: overrides.clock } : {}),
  });
}

function readDataPlane(
  read: EnvReader,
  injected: ControllerConfigOverrides['dataPlane'],
): DataPlaneConfig {
  const provider = read.oneOf(
    'PROVIDER',
    ['simulated', 'http'] as const,
    'simulated',
  );
  if (injected) return { kind: 'injected', ...injected };
  if (provider === 'http') {
    const url = read.string('PROVIDER_URL');
    if (!url)
      read.problem(
        'PROVIDER_URL is required when PROVIDER=http (e.g. http://127.0.0.1:4010, see tools/sim-cloud)',
      );
    else if (!/^https?:\/\/[^/]+/.test(url))
      read.problem(`PROVIDER_URL must be an http(s) URL, got "${url}"`);
    return {
      kind: 'http',
      url: url ?? '',
      timeoutMs: read.int('PROVIDER_TIMEOUT_MILLISECONDS', 30_000, {
        min: 100,
      }),
      retries: read.int('PROVIDER_RETRIES', 3, { min: 0, max: 10 }),
    };
  }
  const seed = read.string('SIM_SEED', '1');
  const stateFile = read.string('SIM_STATE_FILE');
  return {
    kind: 'simulated',
    profile: read.oneOf(
      'SIM_PROFILE',
      ['fast', 'zero', 'realistic'] as const,
      'fast',
    ),
    seed: /^\d+$/.test(seed) ? Number(seed) : seed,
    ...(stateFile ? { stateFile } : {}),
  };
}
