/**
 * The StateStore port: the part of etcd LCM relies on (revisions, ranges, guarded transactions,
 * watches from a revision, leases), with two drivers behind it: `etcd` and `memory`. Modelled on the
 * KV-store driver RFC (connect, read, write, watch) plus transactions and leases.
 */

/** A key's current value and its MVCC metadata (revisions are etcd's: store-wide, increasing). */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the put that created the key (since its last deletion). */
  createRevision: number;
  /** Revision of the last put: the key's resource version, compared by optimistic writes. */
  modRevision: number;
  /** Number of puts since creation. */
  version: number;
  /** Lease the key is attached to, '0' when none. */
  lease: string;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The store revision the range was read at: watch from `revision + 1` to miss nothing. */
  revision: number;
}

export interface ScanOptions {
  /** Keys per page (default: the driver's, 1000 for etcd). */
  pageSize?: number;
}

/** A condition of a transaction. All must hold for the success branch to run. */
export type Compare =
  | { key: string; target: 'modRevision'; op: CompareOp; value: number }
  | { key: string; target: 'createRevision'; op: CompareOp; value: number }
  | { key: string; target: 'version'; op: CompareOp; value: number }
  | { key: string; target: 'value'; op: '=' | '!='; value: string }
  | { key: string; target: 'lease'; op: '=' | '!='; value: string };

export type CompareOp = '=' | '!=' | '<' | '>';

export type Operation =
  | { type: 'put'; key: string; value: string; lease?: string }
  | { type: 'delete'; key: string }
  | { type: 'deletePrefix'; prefix: string };

export interface TxnRequest {
  compare: Compare[];
  success: Operation[];
  /** Keys to read when the compares fail, to tell the caller what changed. */
  failureReads?: string[];
}

export interface PrefixStatus {
  revision: number;
  count: number;
  /** Some key under the prefix has a mod revision above the `afterRevision` asked about. */
  writtenAfter: boolean;
}

export interface TxnResult {
  succeeded: boolean;
  /** Store revision after the transaction (its own revision when it wrote). */
  revision: number;
  /** Current values of `failureReads` when the transaction failed (absent keys left out). */
  reads: KeyValue[];
}

export interface WatchEvent {
  type: 'put' | 'delete';
  key: string;
  /** The new value (put) or the deletion tombstone (delete: value '', modRevision = deletion revision). */
  kv: KeyValue;
}

/** All events of one revision, delivered together. */
export interface WatchBatch {
  revision: number;
  events: WatchEvent[];
}

export interface WatchHandlers {
  /** Called once per revision, in revision order. May return a promise: batches are delivered in order. */
  onBatch(batch: WatchBatch): void | Promise<void>;
  /**
   * The watch ended and will deliver nothing more: the start revision was compacted
   * (`CompactedError`) or the server cancelled it. The caller re-lists and watches again.
   */
  onCancelled(error: Error): void;
  /** Connection lost / regained; the driver resumes from the last delivered revision + 1 by itself. */
  onDisconnected?(error: Error): void;
  onReconnected?(): void;
}

export interface Watch {
  cancel(): Promise<void>;
}

export interface Lease {
  readonly id: string;
  readonly ttlSeconds: number;
  /**
   * Registers a handler called once when the lease must be considered lost: a keepalive failed and
   * the server may expire it before we can renew it, or it was revoked/expired. Fired early: at most
   * one TTL after the last successful keepalive was *sent*, so before the server can expire it.
   */
  onLost(handler: (reason: Error) => void): void;
  isLost(): boolean;
  revoke(): Promise<void>;
}

export interface StateStore {
  /** Driver name, for logs and metrics ('etcd' or 'memory'). */
  readonly driver: string;
  get(key: string): Promise<KeyValue | undefined>;
  /** Every key under `prefix`, in key order, read at one revision. */
  list(prefix: string): Promise<RangeResult>;
  /**
   * Every key under `prefix` at one revision, as `list`, handed over a page at a time (at most
   * `pageSize` keys, in key order; the next page is read once `onPage` resolves), so a caller that
   * keeps only what it makes of each page never holds the whole prefix's values at once. Resolves
   * to the revision every page was read at (watch from `revision + 1` to miss nothing).
   */
  scan(
    prefix: string,
    onPage: (kvs: KeyValue[]) => void | Promise<void>,
    options?: ScanOptions,
  ): Promise<number>;
  txn(request: TxnRequest): Promise<TxnResult>;
  /** Watch `prefix` from `fromRevision` (inclusive). Resolves once the watch is established. */
  watch(
    prefix: string,
    fromRevision: number,
    handlers: WatchHandlers,
  ): Promise<Watch>;
  /**
   * Grants a lease the driver keeps alive until revoked or lost. `keepAlive: false` sends no
   * keepalives (the lease expires after its TTL): for tests, and for keys meant to expire.
   */
  grantLease(
    ttlSeconds: number,
    options?: { keepAlive?: boolean },
  ): Promise<Lease>;
  /** Discards history up to `revision` (exclusive in etcd terms: revisions < revision). */
  compact(revision: number): Promise<void>;
  /** Current store revision. */
  revision(): Promise<number>;
  /**
   * At one revision (returned): how many keys `prefix` holds and whether any was written after
   * `afterRevision`. A cache that saw the prefix at `afterRevision` with the same key count and no
   * key written since holds exactly the prefix's state at the returned revision (a key created and
   * deleted in between changes neither), so it may answer reads at that revision without waiting
   * for its watch. Cheap: no value leaves the store.
   */
  prefixStatus(prefix: string, afterRevision: number): Promise<PrefixStatus>;
  /** Whether the store answers now (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The start revision of a watch is older than the compacted history. */
export class CompactedError extends Error {
  constructor(
    readonly requestedRevision: number,
    readonly compactRevision?: number,
  ) {
    super(
      `watch from revision ${requestedRevision} is no longer available: history compacted${compactRevision ? ` up to ${compactRevision}` : ''}`,
    );
    this.name = 'CompactedError';
  }
}

export class LeaseLostError extends Error {
  constructor(
    readonly leaseId: string,
    reason: string,
  ) {
    super(`lease ${leaseId} lost: ${reason}`);
    this.name = 'LeaseLostError';
  }
}

/** The store could not be reached; the operation may or may not have been applied. */
export class StoreUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'StoreUnavailableError';
  }
}
