import type { DocStore } from '@lcm/doc-store';
import {
  ETCD_DEFAULT_ELECTION_TIMEOUT_MS,
  ETCD_DEFAULTS,
  leaseTiming,
  minimumSafeLeaseTtlSeconds,
  type EtcdConnectionOptions,
  type StateStore,
} from '@lcm/state-store';
import { EnvReader } from '../config/env-reader';

/** Where live state is: a real etcd, or a store object handed in (memory: tests, the embedded default). */
export type StateStoreConfig =
  | ({
      driver: 'etcd';
      prefix: string;
      /** ETCD_ELECTION_TIMEOUT_MS: the etcd cluster's --election-timeout, for the lease timing check. */
      electionTimeoutMs: number;
    } & EtcdConnectionOptions &
      Required<Pick<EtcdConnectionOptions, 'callTimeoutMs' | 'stallBudgetMs'>>)
  | { driver: 'shared'; prefix: string; store: StateStore };

/** Where documents are: MongoDB, or a store object handed in. */
export type DocStoreConfig =
  | { driver: 'mongo'; uri: string; auditRetentionDays: number }
  | { driver: 'shared'; store: DocStore };

export interface PlatformConfig {
  state: StateStoreConfig;
  /** Absent for apps that need no documents (the scheduler). */
  docs?: DocStoreConfig;
  /** Settings that are valid but unsafe (logged at start-up): e.g. a lease one etcd member loss would depose. */
  warnings?: string[];
}

/**
 * Store settings of a standalone app from the environment: ETCD_ENDPOINTS (required), ETCD_PREFIX,
 * ETCD_USERNAME / ETCD_PASSWORD, ETCD_CA_FILE / ETCD_CERT_FILE / ETCD_KEY_FILE, ETCD_CALL_TIMEOUT_MS,
 * ETCD_STALL_BUDGET_MS, ETCD_ELECTION_TIMEOUT_MS, and, when the app needs documents, MONGODB_URI
 * (required) and AUDIT_RETENTION_DAYS.
 */
export function readPlatformConfig(
  read: EnvReader,
  needs: { docs: boolean },
): PlatformConfig {
  const endpoints = read.list('ETCD_ENDPOINTS');
  if (endpoints.length === 0)
    read.problem(
      'ETCD_ENDPOINTS is required (comma-separated, e.g. http://127.0.0.1:2379); `npm start` runs everything without servers',
    );
  const state: StateStoreConfig = {
    driver: 'etcd',
    endpoints,
    prefix: read.string('ETCD_PREFIX', '/lcm'),
    username: read.string('ETCD_USERNAME'),
    password: read.secret('ETCD_PASSWORD', { minLength: 0 }),
    caFile: read.string('ETCD_CA_FILE'),
    certFile: read.string('ETCD_CERT_FILE'),
    keyFile: read.string('ETCD_KEY_FILE'),
    callTimeoutMs: read.int(
      'ETCD_CALL_TIMEOUT_MS',
      ETCD_DEFAULTS.callTimeoutMs,
      { min: 100, max: 60_000 },
    ),
    stallBudgetMs: read.int(
      'ETCD_STALL_BUDGET_MS',
      ETCD_DEFAULTS.stallBudgetMs,
      { min: 100, max: 600_000 },
    ),
    electionTimeoutMs: read.int(
      'ETCD_ELECTION_TIMEOUT_MS',
      ETCD_DEFAULT_ELECTION_TIMEOUT_MS,
      { min: 10, max: 60_000 },
    ),
  };
  if (state.stallBudgetMs < state.callTimeoutMs) {
    read.problem(
      `ETCD_STALL_BUDGET_MS (${state.stallBudgetMs}) must be at least ETCD_CALL_TIMEOUT_MS (${state.callTimeoutMs}): a call gets at least one full attempt`,
    );
  }
  if (!needs.docs) return { state };
  const uri = read.uri('MONGODB_URI');
  if (!uri)
    read.problem(
      'MONGODB_URI is required (e.g. mongodb://127.0.0.1:27017/lcm)',
    );
  return {
    state,
    docs: {
      driver: 'mongo',
      uri: uri ?? '',
      auditRetentionDays: read.int('AUDIT_RETENTION_DAYS', 365, {
        min: 1,
        max: 3650,
      }),
    },
  };
}

/**
 * Start-up check of a leader lease against the etcd timeouts (scheduler, controller): at the
 * defaults a leader is not deposed by the loss of one etcd member (see leaseTiming in
 * @lcm/state-store). A combination that is not safe is allowed (a single-member etcd, fast-failover
 * tests) but logged at start-up as a warning naming the safe TTL. Nothing to check when the store is
 * handed in (no etcd).
 */
export function checkLeaderLease(
  platform: PlatformConfig,
  setting: string,
  ttlSeconds: number,
): void {
  const state = platform.state;
  if (state.driver !== 'etcd') return;
  const timing = leaseTiming({
    ttlSeconds,
    callTimeoutMs: state.callTimeoutMs,
    electionTimeoutMs: state.electionTimeoutMs,
  });
  if (timing.survivesMemberLoss) return;
  const minimum = minimumSafeLeaseTtlSeconds(
    state.callTimeoutMs,
    state.electionTimeoutMs,
  );
  const hungCallDeposes = (ttlSeconds * 1000 * 2) / 3 <= state.callTimeoutMs;
  (platform.warnings ??= []).push(
    `UNSAFE: ${setting}=${ttlSeconds} s with ETCD_CALL_TIMEOUT_MS=${state.callTimeoutMs} and ETCD_ELECTION_TIMEOUT_MS=${state.electionTimeoutMs}: ` +
      (hungCallDeposes
        ? `the lease is given up 2/3 of the TTL after its last renewal, before one hung keepalive can even time out, so any slow or lost etcd member deposes this leader. `
        : `keepalives may fail for ${Math.round(timing.retryWindowMs)} ms before the lease is given up, but losing an etcd member can take ${timing.memberLossMs} ms (call timeout + 2 x election timeout), so an etcd member loss may depose this leader. `) +
      `Use ${setting} >= ${minimum}, or a shorter ETCD_CALL_TIMEOUT_MS.`,
  );
}
