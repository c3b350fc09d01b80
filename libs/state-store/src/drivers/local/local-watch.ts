import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import {
  CompactedError,
  LeaseLostError,
  type Compare,
  type KeyValue,
  type Lease,
  type Operation,
  type Watch,
  type WatchBatch,
  type WatchHandlers,
} from '../../port/state-store';

/**
 * What the two in-process drivers (memory, sqlite) share: etcd's compare operators, its checks of a
 * transaction's leases and of a compaction's target, leases (a handle whose loss is signalled once,
 * and the timers of a lease without keepalives), and watches (registration from a retained revision,
 * each handed batches strictly in order).
 */
export function compareOp<T extends number | string>(
  op: '=' | '!=' | '<' | '>',
  actual: T,
  expected: T,
): boolean {
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '>':
      return actual > expected;
  }
}

/** A lease handle of an in-process driver: `markLost` fires the handlers once. */
export class LocalLeaseHandle implements Lease {
  private lost?: Error;
  private readonly handlers: ((reason: Error) => void)[] = [];

  constructor(
    readonly id: string,
    readonly ttlSeconds: number,
    private readonly doRevoke: () => void,
  ) {}

  onLost(handler: (reason: Error) => void): void {
    if (this.lost) queueMicrotask(() => handler(this.lost as Error));
    else this.handlers.push(handler);
  }

  isLost(): boolean {
    return this.lost !== undefined;
  }

  async revoke(): Promise<void> {
    this.doRevoke();
  }

  markLost(reason: Error): void {
    if (this.lost) return;
    this.lost = reason;
    for (const handler of this.handlers.splice(0))
      queueMicrotask(() => handler(reason));
  }
}

/** Delivers batches to one watch handler strictly in order, each after the previous one settled. */
export class LocalWatcher implements Watch {
  private queue: Promise<void> = Promise.resolve();
  private active = true;
  /**
   * The watcher's async context, captured when it registered: handlers run in it, not in the context
   * of whoever committed the change. With several apps on one in-process store (the embedded mode)
   * the scheduler's reactions to an api write then still log as the scheduler.
   */
  private readonly inWatcherContext = AsyncLocalStorage.snapshot();

  constructor(
    readonly prefix: string,
    private readonly handlers: WatchHandlers,
    private readonly detach: () => void,
  ) {}

  offer(batch: WatchBatch): void {
    const events = batch.events.filter((e) => e.key.startsWith(this.prefix));
    if (events.length === 0) return;
    const filtered = { revision: batch.revision, events };
    this.queue = this.queue.then(async () => {
      if (this.active)
        await this.inWatcherContext(() => this.handlers.onBatch(filtered));
    });
    this.queue = this.queue.catch(() => undefined);
  }

  /** Ends the watch with an error the handler must react to (re-list). */
  fail(error: Error): void {
    this.active = false;
    this.detach();
    queueMicrotask(() =>
      this.inWatcherContext(() => this.handlers.onCancelled(error)),
    );
  }

  async cancel(): Promise<void> {
    this.active = false;
    this.detach();
  }
}

/** Whether a transaction's compare holds on its key's current value (undefined: the key is absent). */
export function compareHolds(
  compare: Compare,
  kv: KeyValue | undefined,
): boolean {
  switch (compare.target) {
    case 'value':
      return (
        kv !== undefined &&
        (compare.op === '='
          ? kv.value === compare.value
          : kv.value !== compare.value)
      );
    case 'lease':
      return compareOp(compare.op, kv?.lease ?? '0', compare.value);
    case 'modRevision':
      return compareOp(compare.op, kv?.modRevision ?? 0, compare.value);
    case 'createRevision':
      return compareOp(compare.op, kv?.createRevision ?? 0, compare.value);
    case 'version':
      return compareOp(compare.op, kv?.version ?? 0, compare.value);
  }
}

/** etcd refuses a transaction that puts a key under a lease it does not know, and applies none of it. */
export function assertLeasesGranted(
  operations: readonly Operation[],
  granted: (id: string) => boolean,
): void {
  for (const op of operations)
    if (op.type === 'put' && op.lease && op.lease !== '0' && !granted(op.lease))
      throw new Error(`etcdserver: requested lease not found (${op.lease})`);
}

/** etcd's refusals of a compaction: to a revision already compacted, or to one not yet written. */
export function assertCompactable(
  revision: number,
  compactRevision: number,
  current: number,
): void {
  if (revision <= compactRevision)
    throw new Error(
      `etcdserver: mvcc: required revision has been compacted (${revision} <= ${compactRevision})`,
    );
  if (revision > current)
    throw new Error(
      `etcdserver: mvcc: required revision is a future revision (${revision} > ${current})`,
    );
}

/**
 * A lease an in-process driver granted. Kept alive, it lives as long as this process holds it (its
 * keepalives cannot be lost). Without keepalives its holder is told it is lost at 2/3 of the TTL (as
 * a holder must assume before the server expires it), and it expires at the TTL: `expire` then runs.
 */
export class LocalLease {
  readonly handle: LocalLeaseHandle;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    ttlSeconds: number,
    keepAlive: boolean,
    end: (id: string, why: 'revoked' | 'expired') => void,
  ) {
    const id = newLeaseId(randomBytes(7));
    this.handle = new LocalLeaseHandle(id, ttlSeconds, () =>
      end(id, 'revoked'),
    );
    if (keepAlive) return;
    const lost = setTimeout(
      () =>
        this.handle.markLost(
          new LeaseLostError(id, 'no keepalive within 2/3 of the TTL'),
        ),
      (ttlSeconds * 1000 * 2) / 3,
    );
    const expiry = setTimeout(() => end(id, 'expired'), ttlSeconds * 1000);
    lost.unref();
    expiry.unref();
    this.timers.push(lost, expiry);
  }

  get id(): string {
    return this.handle.id;
  }

  /** The store let the lease go (revoked, expired) or closed: its timers stop. */
  stopTimers(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
  }

  /** Revoked or expired: its holder learns why, once. */
  ended(why: 'revoked' | 'expired'): void {
    this.stopTimers();
    this.handle.markLost(new LeaseLostError(this.id, why));
  }
}

/** What a watch registration needs of its store: the revisions, and the retained history from one. */
export interface LocalHistory {
  readonly revision: number;
  readonly compactRevision: number;
  since(start: number): Iterable<WatchBatch>;
}

/**
 * The watches of an in-process store. A watch from a compacted revision fails with CompactedError (its
 * handler re-lists); otherwise it is handed the retained history from its start and then every
 * published batch, registered in the same synchronous step so that no commit falls between them.
 */
export class LocalWatchers {
  private readonly watchers = new Set<LocalWatcher>();

  open(
    prefix: string,
    fromRevision: number,
    handlers: WatchHandlers,
    history: LocalHistory,
  ): Watch {
    const start = fromRevision > 0 ? fromRevision : history.revision + 1;
    const watcher = new LocalWatcher(prefix, handlers, () =>
      this.watchers.delete(watcher),
    );
    if (start < history.compactRevision) {
      watcher.fail(new CompactedError(start, history.compactRevision));
      return watcher;
    }
    if (start <= history.revision)
      for (const batch of history.since(start)) watcher.offer(batch);
    this.watchers.add(watcher);
    return watcher;
  }

  publish(batch: WatchBatch): void {
    for (const watcher of this.watchers) watcher.offer(batch);
  }

  /** The store closed: every watch ends without a word, as a cancelled one does. */
  cancelAll(): void {
    for (const watcher of this.watchers) void watcher.cancel();
    this.watchers.clear();
  }
}

/** A lease id in etcd's format: a positive 64-bit integer in decimal (56 random bits here). */
export function newLeaseId(random: Buffer): string {
  return BigInt(`0x${random.toString('hex')}`).toString();
}

/** Hands `items` to `onPage` in pages of `pageSize` (default 1000), each after the previous resolved. */
export async function inPages<T>(
  items: readonly T[],
  pageSize: number | undefined,
  onPage: (page: T[]) => void | Promise<void>,
): Promise<void> {
  const size = pageSize ?? 1000;
  if (!(size >= 1)) throw new Error(`page size must be at least 1 (${size})`);
  for (let at = 0; at < items.length; at += size)
    await onPage(items.slice(at, at + size));
}
