import { errorMessage } from '@lcm/domain';
import { readFileSync } from 'node:fs';
import {
  Etcd3,
  IKeyValue,
  IOptions,
  IRequestOp,
  ICompare,
  isRecoverableError,
  Watcher,
} from 'etcd3';
import {
  CompactedError,
  Compare,
  KeyValue,
  Lease,
  LeaseLostError,
  Operation,
  PrefixStatus,
  RangeResult,
  ScanOptions,
  StateStore,
  StoreUnavailableError,
  TxnRequest,
  TxnResult,
  Watch,
  WatchBatch,
  WatchHandlers,
} from '../../port/state-store';

export interface EtcdConnectionOptions {
  endpoints: string[];
  username?: string;
  password?: string;
  /** PEM files for TLS (client certificate optional). */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Deadline of one attempt at one endpoint (ms): a member that does not answer by then is left for another. */
  callTimeoutMs?: number;
  /** How long one call keeps failing over between endpoints before it reports StoreUnavailableError (ms). */
  stallBudgetMs?: number;
}

/** The driver's defaults (see the state-store README, "etcd: timeouts, failover and leases"). */
export const ETCD_DEFAULTS = {
  callTimeoutMs: 2000,
  stallBudgetMs: 8000,
} as const;

const PAGE_SIZE = 1000;
/** Watch streams reconnect at most this long after etcd answers again (etcd3's default backs off up to 30 s). */
const WATCH_RECONNECT_MAX_MS = 250;
/** A member whose calls failed three times in a row is skipped this long, then tried again. */
const MEMBER_HALF_OPEN_MS = 500;

/**
 * The production driver, on the etcd3 client. Reads of a prefix are paged at one revision (so a
 * large keyspace never exceeds the gRPC message limit), leases are kept alive by our own loop so that
 * losing them is noticed before etcd can expire them, and watches resume after a reconnect from the
 * last delivered revision + 1.
 */
export class EtcdStateStore implements StateStore {
  readonly driver = 'etcd';
  private readonly client: Etcd3;
  private readonly callTimeoutMs: number;
  private readonly stallBudgetMs: number;
  private closed = false;

  constructor(options: EtcdConnectionOptions) {
    const timeout = options.callTimeoutMs ?? ETCD_DEFAULTS.callTimeoutMs;
    this.callTimeoutMs = timeout;
    this.stallBudgetMs = options.stallBudgetMs ?? ETCD_DEFAULTS.stallBudgetMs;
    const config: IOptions = {
      hosts: options.endpoints,
      dialTimeout: 3000,
      grpcOptions: {
        // A watch catching up over a large backlog gets responses above gRPC's 4 MiB default; with
        // the limit it would disconnect and retry the same response forever.
        'grpc.max_receive_message_length': -1,
        // Notice a member that went silent (partitioned, not closed): etcd allows a ping every 5 s.
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 3_000,
      },
      // Unary calls get a deadline per attempt; streams (watch) do not (keepalives set their own).
      defaultCallOptions: (context) =>
        context.isStream ? {} : { deadline: Date.now() + timeout },
      faultHandling: {
        // Retries are ours (call()): etcd3's would re-send a write whose outcome is unknown.
        global: { execute: <T>(fn: () => Promise<T>) => fn() },
        // A failing member is skipped briefly, so retries go to the others; it is tried again soon
        // (etcd3's default keeps it out 5 s, which delays the return after an outage).
        host: () => new MemberBreaker(MEMBER_HALF_OPEN_MS),
        watchBackoff: cappedBackoff(50, WATCH_RECONNECT_MAX_MS),
      } as unknown as IOptions['faultHandling'],
    };
    if (options.username)
      config.auth = {
        username: options.username,
        password: options.password ?? '',
      };
    if (options.caFile) {
      config.credentials = {
        rootCertificate: readFileSync(options.caFile),
        ...(options.certFile
          ? { certChain: readFileSync(options.certFile) }
          : {}),
        ...(options.keyFile
          ? { privateKey: readFileSync(options.keyFile) }
          : {}),
      };
    }
    this.client = new Etcd3(config);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call('get', () =>
      this.client.kv.range({ key: Buffer.from(key) }),
    );
    return res.kvs[0] ? toKeyValue(res.kvs[0]) : undefined;
  }

  async list(prefix: string): Promise<RangeResult> {
    const kvs: KeyValue[] = [];
    const revision = await this.scan(prefix, (page) => {
      for (const kv of page) kvs.push(kv);
    });
    return { kvs, revision };
  }

  async scan(
    prefix: string,
    onPage: (kvs: KeyValue[]) => void | Promise<void>,
    options: ScanOptions = {},
  ): Promise<number> {
    const end = prefixEnd(Buffer.from(prefix));
    const limit = options.pageSize ?? PAGE_SIZE;
    let from = Buffer.from(prefix);
    // The first page's revision pins the others: every page is read at it (etcd's MVCC).
    let revision = 0;
    for (;;) {
      const res = await this.call('list', () =>
        this.client.kv.range({
          key: from,
          range_end: end,
          limit,
          ...(revision ? { revision } : {}),
        }),
      );
      if (!revision) revision = Number(res.header.revision);
      const more = res.more && res.kvs.length > 0;
      if (more)
        from = Buffer.concat([
          res.kvs[res.kvs.length - 1].key,
          Buffer.from([0]),
        ]);
      if (res.kvs.length > 0) await onPage(res.kvs.map(toKeyValue));
      if (!more) break;
    }
    return revision;
  }

  /**
   * One transaction. When an attempt fails with its outcome unknown (the member died or timed out
   * after receiving it), it is re-sent to another member only after checking that it did not apply:
   * an applied transaction is recognised by its puts (every put key holds the value and lease it
   * wrote, all at one revision) and reported as succeeded at that revision. A re-sent transaction
   * that fails its compares after a lost attempt is checked the same way: the lost attempt may have
   * committed in between (LCM's writes compare what they change, so it cannot apply twice).
   */
  async txn(request: TxnRequest): Promise<TxnResult> {
    let outcomeLost = false;
    const result = await this.call(
      'txn',
      async () => {
        const res = await this.client.kv.txn({
          compare: request.compare.map(toCompare),
          success: request.success.map(toRequestOp),
          failure: (request.failureReads ?? []).map((key) => ({
            request_range: { key: Buffer.from(key) },
          })),
        });
        const reads = res.succeeded
          ? []
          : res.responses
              .flatMap((r) => r.response_range?.kvs ?? [])
              .map(toKeyValue);
        return {
          succeeded: res.succeeded,
          revision: Number(res.header.revision),
          reads,
        };
      },
      {
        beforeRetry: () => {
          outcomeLost = true;
          return this.appliedAlready(request);
        },
      },
    );
    // The lost attempt may still commit after the check above (a new etcd leader commits the old
    // leader's entries before the re-sent one): the re-sent transaction then fails its compares on
    // our own write. Look again once it has.
    if (!result.succeeded && outcomeLost)
      return (
        (await this.appliedAlready(request).catch(() => undefined)) ?? result
      );
    return result;
  }

  async watch(
    prefix: string,
    fromRevision: number,
    handlers: WatchHandlers,
  ): Promise<Watch> {
    const builder = this.client.watch().prefix(prefix);
    if (fromRevision > 0) builder.startRevision(String(fromRevision));
    let lastDelivered = fromRevision > 0 ? fromRevision - 1 : 0;
    let queue: Promise<void> = Promise.resolve();
    let active = true;

    const deliver = (batch: WatchBatch) => {
      queue = queue
        .then(async () => {
          // After a reconnect the client resumes from the last response's revision + 1; never
          // hand the same revision to the handler twice.
          if (!active || batch.revision <= lastDelivered) return;
          lastDelivered = batch.revision;
          await handlers.onBatch(batch);
        })
        .catch(() => undefined);
    };

    const watcher: Watcher = await this.call('watch', () => builder.create());
    watcher.on('data', (res) => {
      const byRevision = new Map<number, WatchBatch>();
      for (const event of res.events) {
        const kv = toKeyValue(event.kv);
        const batch = byRevision.get(kv.modRevision) ?? {
          revision: kv.modRevision,
          events: [],
        };
        batch.events.push({
          type: event.type === 'Delete' ? 'delete' : 'put',
          key: kv.key,
          kv,
        });
        byRevision.set(kv.modRevision, batch);
      }
      for (const batch of [...byRevision.values()].sort(
        (a, b) => a.revision - b.revision,
      ))
        deliver(batch);
    });
    watcher.on('disconnected', (error: Error) =>
      handlers.onDisconnected?.(error),
    );
    watcher.on('connected', () => handlers.onReconnected?.());
    watcher.on('error', (error: Error) => {
      if (!active) return;
      active = false;
      // etcd cancels a watch whose start revision was compacted (the client does not retry it).
      const compacted =
        /compact/i.test(error.message) || /canceled/i.test(error.message);
      const cause = compacted ? new CompactedError(lastDelivered + 1) : error;
      queue = queue.then(() => handlers.onCancelled(cause));
    });

    return {
      cancel: async () => {
        active = false;
        await watcher.cancel().catch(() => undefined);
      },
    };
  }

  async grantLease(
    ttlSeconds: number,
    options: { keepAlive?: boolean } = {},
  ): Promise<Lease> {
    // A grant re-sent after an unknown outcome at worst leaves an unused lease, which expires.
    const lease = await this.call('grant lease', async () => {
      const candidate = this.client.lease(ttlSeconds, { autoKeepAlive: false });
      await candidate.grant();
      return candidate;
    });
    const id = await lease.grant();
    return new EtcdLease(
      id,
      ttlSeconds,
      options.keepAlive !== false,
      // One keepalive, bounded like any call (etcd3 sends it on a stream, which has no deadline).
      () => lease.keepaliveOnce({ deadline: Date.now() + this.callTimeoutMs }),
      () =>
        this.call('revoke lease', () => lease.revoke(), {
          budgetMs: this.callTimeoutMs,
        }),
    );
  }

  async compact(revision: number): Promise<void> {
    await this.call('compact', () =>
      this.client.kv.compact({ revision, physical: true }),
    );
  }

  async revision(): Promise<number> {
    const res = await this.call('revision', () =>
      this.client.kv.range({
        key: Buffer.from('\0'),
        limit: 1,
        keys_only: true,
      }),
    );
    return Number(res.header.revision);
  }

  /** Two ranges in one transaction (one revision): the key count, and one key written after `afterRevision`. */
  async prefixStatus(
    prefix: string,
    afterRevision: number,
  ): Promise<PrefixStatus> {
    const key = Buffer.from(prefix);
    const range_end = prefixEnd(key);
    const res = await this.call('prefix status', () =>
      this.client.kv.txn({
        compare: [],
        success: [
          { request_range: { key, range_end, count_only: true } },
          {
            request_range: {
              key,
              range_end,
              keys_only: true,
              limit: 1,
              min_mod_revision: String(afterRevision + 1),
            },
          },
        ],
        failure: [],
      }),
    );
    const [counted, written] = res.responses.map((r) => r.response_range);
    return {
      revision: Number(res.header.revision),
      count: Number(counted?.count ?? 0),
      writtenAfter: (written?.kvs.length ?? 0) > 0,
    };
  }

  /** Readiness: one call timeout at most (a probe must not wait out the whole stall budget). */
  async ping(): Promise<boolean> {
    try {
      await this.call(
        'ping',
        () =>
          this.client.kv.range({
            key: Buffer.from('\0'),
            limit: 1,
            keys_only: true,
          }),
        { budgetMs: this.callTimeoutMs },
      );
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.close();
  }

  /**
   * Runs `attempt` (each attempt goes to a member whose circuit is closed, with its own deadline of
   * callTimeoutMs), retrying transient failures (member down or hung, etcd electing a leader) on
   * the other members until the stall budget is spent; then StoreUnavailableError.
   */
  private async call<T>(
    what: string,
    attempt: () => Promise<T>,
    options: {
      budgetMs?: number;
      beforeRetry?: () => Promise<T | undefined>;
    } = {},
  ): Promise<T> {
    const started = Date.now();
    const deadline = started + (options.budgetMs ?? this.stallBudgetMs);
    let delay = 25;
    for (let attempts = 1; ; attempts++) {
      try {
        return await attempt();
      } catch (error) {
        const message = errorMessage(error);
        if (!isTransient(message)) throw error;
        if (this.closed || Date.now() + delay >= deadline) {
          throw new StoreUnavailableError(
            `etcd unavailable (${what}: ${attempts} attempts in ${Date.now() - started} ms): ${message}`,
            error,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 250);
        const applied = options.beforeRetry
          ? await options.beforeRetry().catch(() => undefined)
          : undefined;
        if (applied !== undefined) return applied;
      }
    }
  }

  /** Whether `request` was applied by an attempt whose answer was lost (see txn). One read, no retry. */
  private async appliedAlready(
    request: TxnRequest,
  ): Promise<TxnResult | undefined> {
    const puts = request.success.filter(
      (op): op is Extract<Operation, { type: 'put' }> => op.type === 'put',
    );
    if (puts.length === 0) return undefined;
    const res = await this.client.kv.txn({
      compare: [],
      success: puts.map((op) => ({
        request_range: { key: Buffer.from(op.key) },
      })),
      failure: [],
    });
    const kvs = res.responses
      .map((r) => r.response_range?.kvs?.[0])
      .map((kv) => (kv ? toKeyValue(kv) : undefined));
    const revisions = new Set(kvs.map((kv) => kv?.modRevision));
    const all = kvs.every(
      (kv, i) =>
        kv !== undefined &&
        kv.value === puts[i].value &&
        kv.lease ===
          (puts[i].lease && puts[i].lease !== '0' ? puts[i].lease : '0'),
    );
    if (!all || revisions.size !== 1) return undefined;
    return { succeeded: true, revision: kvs[0]?.modRevision ?? 0, reads: [] };
  }
}

/** Failures worth another attempt (on another member): unreachable, hung, or between etcd leaders. */
function isTransient(message: string): boolean {
  return /unavailable|deadline|connect|ECONNREFUSED|ECONNRESET|circuit|No connection|transport|leader changed|no leader|timed out|RST_STREAM|Connection dropped|too many requests/i.test(
    message,
  );
}

/**
 * etcd3's per-member fault policy: after three recoverable failures in a row the member is skipped
 * (the pool moves on to the next one) for `openMs`, then tried again.
 */
class MemberBreaker {
  private failures = 0;
  private openUntil = 0;

  constructor(private readonly openMs: number) {}

  async execute<T>(fn: () => Promise<T> | T): Promise<T> {
    if (Date.now() < this.openUntil)
      throw new Error(
        'etcd member skipped: circuit open after repeated failures',
      );
    try {
      const result = await fn();
      this.failures = 0;
      return result;
    } catch (error) {
      if (
        error instanceof Error &&
        isRecoverableError(error) &&
        ++this.failures >= 3
      ) {
        this.failures = 0;
        this.openUntil = Date.now() + this.openMs;
      }
      throw error;
    }
  }
}

/** Reconnect delays for watch streams: doubling from `initialMs`, never above `maxMs`. */
function cappedBackoff(
  initialMs: number,
  maxMs: number,
): { duration: number; next(): unknown } {
  const at = (duration: number) => ({
    duration,
    next: () => at(Math.min(duration * 2, maxMs)),
  });
  return { duration: initialMs, next: () => at(initialMs) };
}

/** Keepalives per TTL. With the loss deadline at 2/3 TTL, a keepalive may fail and be retried for TTL/2. */
export const KEEPALIVES_PER_TTL = 6;
/** Share of the TTL after the last successful keepalive (counted from its sending) at which a lease is given up. */
export const LEASE_LOSS_FRACTION = 2 / 3;

/**
 * A lease kept alive every TTL/6. A failed keepalive is retried at once (on another member, each
 * attempt bounded by the call timeout) until one succeeds. The lease is declared lost as soon as a
 * keepalive reports it expired, or when no keepalive has succeeded for 2/3 of the TTL (counted from
 * when that keepalive was sent), so a leader steps down by itself before etcd can expire its key.
 * (etcd3's own `lost` event comes only after 2 x TTL.)
 */
class EtcdLease implements Lease {
  private lost?: Error;
  private readonly handlers: ((reason: Error) => void)[] = [];
  private readonly interval?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;
  private revoked = false;
  private renewing = false;

  constructor(
    readonly id: string,
    readonly ttlSeconds: number,
    keepAlive: boolean,
    private readonly keepaliveOnce: () => Promise<{ TTL: string }>,
    private readonly doRevoke: () => Promise<void>,
  ) {
    this.armDeadline(Date.now());
    if (keepAlive) {
      this.interval = setInterval(
        () => void this.renew(),
        (ttlSeconds * 1000) / KEEPALIVES_PER_TTL,
      );
      this.interval.unref();
    }
  }

  onLost(handler: (reason: Error) => void): void {
    if (this.lost) queueMicrotask(() => handler(this.lost as Error));
    else this.handlers.push(handler);
  }

  isLost(): boolean {
    return this.lost !== undefined;
  }

  async revoke(): Promise<void> {
    this.revoked = true;
    this.stop();
    this.markLost(new LeaseLostError(this.id, 'revoked'));
    await this.doRevoke().catch(() => undefined);
  }

  /** One renewal: keepalives until one succeeds, the lease is lost, or it is revoked. */
  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      let pause = 50;
      while (!this.lost) {
        const sentAt = Date.now();
        try {
          const res = await this.keepaliveOnce();
          if (Number(res.TTL) <= 0)
            this.markLost(new LeaseLostError(this.id, 'expired on the server'));
          else this.armDeadline(sentAt);
          return;
        } catch (error) {
          if (/expired or revoked/i.test(errorMessage(error))) {
            this.markLost(new LeaseLostError(this.id, 'expired on the server'));
            return;
          }
          // Not yet a loss: the deadline timer decides. Try again (another member) shortly.
          await new Promise((resolve) => setTimeout(resolve, pause).unref());
          pause = Math.min(pause * 2, 250);
        }
      }
    } finally {
      this.renewing = false;
    }
  }

  private armDeadline(sentAt: number): void {
    clearTimeout(this.deadline);
    const remaining =
      sentAt + this.ttlSeconds * 1000 * LEASE_LOSS_FRACTION - Date.now();
    this.deadline = setTimeout(
      () =>
        this.markLost(
          new LeaseLostError(
            this.id,
            'no successful keepalive within 2/3 of the TTL',
          ),
        ),
      Math.max(0, remaining),
    );
    this.deadline.unref();
  }

  private markLost(reason: Error): void {
    if (this.lost) return;
    this.lost = reason;
    this.stop();
    for (const handler of this.handlers.splice(0))
      queueMicrotask(() => handler(reason));
    if (!this.revoked) void this.doRevoke().catch(() => undefined);
  }

  private stop(): void {
    clearInterval(this.interval);
    clearTimeout(this.deadline);
  }
}

function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value?.toString() ?? '',
    createRevision: Number(kv.create_revision ?? 0),
    modRevision: Number(kv.mod_revision ?? 0),
    version: Number(kv.version ?? 0),
    lease: String(kv.lease ?? '0'),
  };
}

const RESULTS = {
  '=': 'Equal',
  '!=': 'NotEqual',
  '<': 'Less',
  '>': 'Greater',
} as const;

function toCompare(c: Compare): ICompare {
  const base = { key: Buffer.from(c.key), result: RESULTS[c.op] };
  switch (c.target) {
    case 'modRevision':
      return { ...base, target: 'Mod', mod_revision: c.value };
    case 'createRevision':
      return { ...base, target: 'Create', create_revision: c.value };
    case 'version':
      return { ...base, target: 'Version', version: c.value };
    case 'value':
      return { ...base, target: 'Value', value: Buffer.from(c.value) };
    case 'lease':
      return { ...base, target: 'Lease', lease: c.value };
  }
}

function toRequestOp(op: Operation): IRequestOp {
  switch (op.type) {
    case 'put':
      return {
        request_put: {
          key: Buffer.from(op.key),
          value: Buffer.from(op.value),
          ...(op.lease && op.lease !== '0' ? { lease: op.lease } : {}),
        },
      };
    case 'delete':
      return { request_delete_range: { key: Buffer.from(op.key) } };
    case 'deletePrefix':
      return {
        request_delete_range: {
          key: Buffer.from(op.prefix),
          range_end: prefixEnd(Buffer.from(op.prefix)),
        },
      };
  }
}

/** etcd's range_end for "every key starting with prefix". */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
