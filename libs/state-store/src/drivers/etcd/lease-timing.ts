import {
  ETCD_DEFAULTS,
  KEEPALIVES_PER_TTL,
  LEASE_LOSS_FRACTION,
} from './etcd-state-store';

/** Share of the TTL a keepalive may keep failing for: the loss deadline minus one keepalive interval (1/2). */
const RETRY_FRACTION = LEASE_LOSS_FRACTION - 1 / KEEPALIVES_PER_TTL;

/** etcd's own default `--election-timeout` (ms): a follower campaigns after E to 2E without a leader. */
export const ETCD_DEFAULT_ELECTION_TIMEOUT_MS = 1000;

export interface LeaseTimingInput {
  ttlSeconds: number;
  /** ETCD_CALL_TIMEOUT_MS: how long one keepalive may hang on a member that is gone. */
  callTimeoutMs?: number;
  /** ETCD_ELECTION_TIMEOUT_MS: the etcd cluster's --election-timeout. */
  electionTimeoutMs?: number;
}

export interface LeaseTiming {
  /**
   * How long keepalives may keep failing before a leader gives its lease up: the loss deadline
   * (2/3 TTL after the last successful keepalive was sent) minus the keepalive interval (TTL/6),
   * i.e. TTL/2 in the worst case (the member dies just after a keepalive succeeded).
   */
  retryWindowMs: number;
  /**
   * What one etcd member loss takes from that window, worst case: a keepalive hung on the lost member
   * until the call timeout, then etcd electing a new leader (a follower waits up to 2 x its election
   * timeout before campaigning) before a retry on another member can succeed.
   */
  memberLossMs: number;
  /** Whether a leader keeps its lease through the loss of one etcd member (the etcd leader included). */
  survivesMemberLoss: boolean;
}

/**
 * The relation between a leader lease's TTL, the etcd call timeout and etcd's leader election:
 * a leader is not deposed by one etcd member loss when TTL/2 >= call timeout + 2 x election timeout.
 * At the defaults (TTL 10 s, call timeout 2 s, election timeout 1 s): 5 s >= 4 s. A 5 s call timeout
 * (etcd3's default) needs a TTL of at least 14 s.
 */
export function leaseTiming(input: LeaseTimingInput): LeaseTiming {
  const callTimeoutMs = input.callTimeoutMs ?? ETCD_DEFAULTS.callTimeoutMs;
  const electionTimeoutMs =
    input.electionTimeoutMs ?? ETCD_DEFAULT_ELECTION_TIMEOUT_MS;
  const retryWindowMs = input.ttlSeconds * 1000 * RETRY_FRACTION;
  const memberLossMs = callTimeoutMs + 2 * electionTimeoutMs;
  return {
    retryWindowMs,
    memberLossMs,
    survivesMemberLoss: retryWindowMs >= memberLossMs,
  };
}

/** The shortest TTL (whole seconds) that survives one member loss with these timeouts. */
export function minimumSafeLeaseTtlSeconds(
  callTimeoutMs: number,
  electionTimeoutMs: number,
): number {
  return Math.ceil(
    (callTimeoutMs + 2 * electionTimeoutMs) / RETRY_FRACTION / 1000 - 1e-9,
  );
}
