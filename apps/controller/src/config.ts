import { type Clock } from '@lcm/domain';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type {
  LabRuntime,
  SimulatedProfile,
  WorkerProvider,
} from '@lcm/providers';
import {
  checkLeaderLease,
  EnvReader,
  LogLevelName,
  PlatformConfig,
  readPlatformConfig,
} from '@lcm/runtime';
import { DEFAULT_SCALE_DOWN_GRACE_PERIOD_MINUTES } from '@lcm/scheduling';

/** What the controller decides with: timings, limits and switches (docs/controller.md#timings-and-limits, docs/controller.md). */
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
   * CONTROLLER_PASS_MAX_ITEMS: the most ready items one pass takes (default 1000). A resync of
   * 11,000 records goes in slices of this many, one pass after the other, so what a pass holds
   * while it runs (its batch, the data plane's answers it caches) stays bounded by the slice.
   */
  passMaxItems: number;
  /**
   * CONTROLLER_STATUS_SYNC_SECONDS: how often a settled worker (running, draining, stopped) is
   * described to the cloud, however many passes run; starting and stopping workers are described
   * every pass. Keeps cloud API calls bounded while watches trigger many passes.
   */
  statusSyncSeconds: number;
  /**
   * CONTROLLER_LICENSE_SYNC_SECONDS: how often the licence of a running or draining worker's lab
   * engine is read (default 300; also at once when the worker becomes running). Only a change is
   * written to the worker record (and an unchanged report once an hour, so its readAt stays true).
   */
  licenseSyncSeconds: number;
  /**
   * CONTROLLER_SCALE_DOWN_GRACE_PERIOD_MINUTES: an idle worker no booking needs before a restart
   * could be ready is drained after this long idle (default 10).
   */
  scaleDownGracePeriodMinutes: number;
  /** LEAD_TIME_MINUTES: instantiation of a scheduled instance starts this long before timeslotStart. */
  leadTimeMinutes: number;
  /**
   * INSTANTIATION_ALLOWANCE_MINUTES: a PENDING instance asks for a worker this long plus the
   * template's start-up time before its timeslot starts.
   */
  instantiationAllowanceMinutes: number;
  /** INSTANTIATION_TIMEOUT_MINUTES: longer in instantiating is stuck (retried or failed). */
  instantiationTimeoutMinutes: number;
  /** TIMESLOT_GRACE_MINUTES: a PENDING instance this long past its timeslotStart is terminated (`timeslot_missed`). */
  timeslotGraceMinutes: number;
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
  /** MAX_SCALE_UP_IN_FLIGHT: workers of one template starting (pending, provisioning) at once. */
  maxScaleUpInFlight: number;
  /** REGION: the deployment region (templates elsewhere are never used). */
  region: string;
  /** CONTROLLER_ORPHAN_SWEEP_SECONDS: how often the provider is listed for orphan VMs (0: never). */
  orphanSweepSeconds: number;
  /** CONTROLLER_ORPHAN_GRACE_MINUTES: an orphan VM is terminated once seen orphaned this long. */
  orphanGraceMinutes: number;
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
  /** EC2 workers (SDK default credential chain; AWS_ENDPOINT_URL_EC2 to override) with CML lab engines. */
  | {
      kind: 'aws';
      region: string;
      maxAttempts: number;
      address: 'private' | 'public';
      cml: CmlConfig;
    }
  /** Ports handed in: the embedded default's shared fleet, tests. */
  | {
      kind: 'injected';
      provider: WorkerProvider;
      runtime: LabRuntime;
      description?: string;
    };

/** How the controller reaches each worker's CML. Holds where the password is, never the password. */
export interface CmlConfig {
  /** CML_URL_TEMPLATE: `{host}` is the worker's address (https://{host}/). */
  urlTemplate: string;
  /** CML_CA_FILE: PEM bundle trusted for the workers' certificates (default: the system's CAs). */
  caFile?: string;
  /** CML_TLS_VERIFY: false only for a lab bench. */
  tlsVerify: boolean;
  timeoutMs: number;
  username: string;
  /** CML_PASSWORD_FILE (read at each login, so a rotated secret is picked up) or the CML_PASSWORD variable. */
  password: { file: string } | { env: string; read: () => string | undefined };
}

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
  /**
   * The embedded launcher: PROVIDER and LAB_RUNTIME may be left unset (an in-process simulated
   * fleet). Tests (NODE_ENV=test) are treated the same; anywhere else both must be set.
   */
  embedded?: boolean;
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
    passMaxItems: read.int('CONTROLLER_PASS_MAX_ITEMS', 1000, { min: 1 }),
    statusSyncSeconds: read.number('CONTROLLER_STATUS_SYNC_SECONDS', 30, {
      min: 0,
    }),
    licenseSyncSeconds: read.number('CONTROLLER_LICENSE_SYNC_SECONDS', 300, {
      min: 0,
    }),
    scaleDownGracePeriodMinutes: minutes(
      'CONTROLLER_SCALE_DOWN_GRACE_PERIOD_MINUTES',
      DEFAULT_SCALE_DOWN_GRACE_PERIOD_MINUTES,
    ),
    leadTimeMinutes: minutes('LEAD_TIME_MINUTES', 35),
    instantiationAllowanceMinutes: minutes(
      'INSTANTIATION_ALLOWANCE_MINUTES',
      15,
    ),
    instantiationTimeoutMinutes: minutes(
      'INSTANTIATION_TIMEOUT_MINUTES',
      15,
      0.001,
    ),
    terminatedRetentionMinutes: minutes('TERMINATED_RETENTION_MINUTES', 60),
    timeslotGraceMinutes: minutes('TIMESLOT_GRACE_MINUTES', 5),
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
    maxScaleUpInFlight: read.int('MAX_SCALE_UP_IN_FLIGHT', 20, { min: 1 }),
    region: read.string('REGION', 'us-east-1'),
    orphanSweepSeconds: read.number('CONTROLLER_ORPHAN_SWEEP_SECONDS', 300, {
      min: 0,
    }),
    orphanGraceMinutes: minutes('CONTROLLER_ORPHAN_GRACE_MINUTES', 30),
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
  const platform =
    overrides.platform ?? readPlatformConfig(read, { docs: true });
  checkLeaderLease(
    platform,
    'CONTROLLER_LEADER_LEASE_TTL_SECONDS',
    controller.leaderLeaseTtlSeconds,
  );
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
    platform,
    controller,
    dataPlane: readDataPlane(
      read,
      overrides.dataPlane,
      overrides.embedded === true || process.env['NODE_ENV'] === 'test',
      controller.region,
    ),
    ...(overrides.clock ? { clock: overrides.clock } : {}),
  });
}

const PROVIDERS = ['aws', 'simulated', 'http'] as const;
const LAB_RUNTIMES = ['cml', 'simulated', 'http'] as const;
/** The lab runtime that goes with each provider (the only combinations that address the same workers). */
const RUNTIME_OF: Record<
  (typeof PROVIDERS)[number],
  (typeof LAB_RUNTIMES)[number]
> = { aws: 'cml', simulated: 'simulated', http: 'http' };

function readDataPlane(
  read: EnvReader,
  injected: ControllerConfigOverrides['dataPlane'],
  implicit: boolean,
  region: string,
): DataPlaneConfig {
  const given = read.string('PROVIDER');
  const givenRuntime = read.string('LAB_RUNTIME');
  if (
    !implicit &&
    !injected &&
    (given === undefined || givenRuntime === undefined)
  ) {
    read.problem(
      'PROVIDER and LAB_RUNTIME are required outside the embedded launcher: PROVIDER=aws LAB_RUNTIME=cml for EC2 workers with CML, ' +
        'PROVIDER=http LAB_RUNTIME=http for a fleet server (tools/sim-cloud), PROVIDER=simulated LAB_RUNTIME=simulated for a private in-process fleet',
    );
  }
  const provider = read.oneOf('PROVIDER', PROVIDERS, 'simulated');
  const runtime = read.oneOf('LAB_RUNTIME', LAB_RUNTIMES, RUNTIME_OF[provider]);
  if (runtime !== RUNTIME_OF[provider])
    read.problem(
      `LAB_RUNTIME=${runtime} does not go with PROVIDER=${provider} (use LAB_RUNTIME=${RUNTIME_OF[provider]})`,
    );
  if (injected) return { kind: 'injected', ...injected };
  if (provider === 'aws') {
    return {
      kind: 'aws',
      region,
      maxAttempts: read.int('EC2_MAX_ATTEMPTS', 5, { min: 1, max: 20 }),
      address: read.oneOf(
        'EC2_WORKER_ADDRESS',
        ['private', 'public'] as const,
        'private',
      ),
      cml: readCml(read),
    };
  }
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

function readCml(read: EnvReader): CmlConfig {
  const urlTemplate = read.string('CML_URL_TEMPLATE', 'https://{host}/');
  if (!/^https?:\/\//.test(urlTemplate) || !urlTemplate.includes('{host}'))
    read.problem(
      `CML_URL_TEMPLATE must be an http(s) URL containing {host}, got "${urlTemplate}"`,
    );
  const passwordFile = read.string('CML_PASSWORD_FILE');
  if (!passwordFile && !read.string('CML_PASSWORD'))
    read.problem(
      'CML_PASSWORD_FILE (or CML_PASSWORD) is required when LAB_RUNTIME=cml',
    );
  const caFile = read.string('CML_CA_FILE');
  return {
    urlTemplate,
    ...(caFile ? { caFile } : {}),
    tlsVerify: read.bool('CML_TLS_VERIFY', true),
    timeoutMs: read.int('CML_TIMEOUT_MILLISECONDS', 30_000, { min: 100 }),
    username: read.string('CML_USERNAME', 'admin'),
    // A getter, not the value: the config can be printed without the secret in it.
    password: passwordFile
      ? { file: passwordFile }
      : { env: 'CML_PASSWORD', read: () => read.string('CML_PASSWORD') },
  };
}
