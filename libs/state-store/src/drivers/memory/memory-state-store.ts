import { randomBytes } from 'node:crypto';
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
  TxnRequest,
  TxnResult,
  Watch,
  WatchBatch,
  WatchEvent,
  WatchHandlers,
} from '../../port/state-store';
import {
  compareOp,
  LocalLeaseHandle,
  LocalWatcher,
  inPages,
  newLeaseId,
} from '../local/local-watch';

interface MemoryLease {
  id: string;
  ttlSeconds: number;
  keys: Set<string>;
  lostTimer?: NodeJS.Timeout;
  expiryTimer?: NodeJS.Timeout;
  handle: LocalLeaseHandle;
}

/**
 * An in-process MVCC store with etcd's semantics: one revision per writing transaction, create/mod
 * revisions and versions per key, watches from any retained revision (all events of one revision in
 * one batch), compaction that makes older watches fail, and leases that expire their keys.
 * Nothing is kept on disk: for unit tests (the embedded default runs on the sqlite driver).
 */
export class MemoryStateStore implements StateStore {
  readonly driver = 'memory';
  private rev = 1;
  private compactRevision = 0;
  private readonly kvs = new Map<string, KeyValue>();
  /** Committed batches with revision >= compactRevision, in order, for watches from the past. */
  private readonly history: WatchBatch[] = [];
  private readonly watchers = new Set<LocalWatcher>();
  private readonly leases = new Map<string, MemoryLease>();
  private closed = false;

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const kv = this.kvs.get(key);
    return kv ? { ...kv } : undefined;
  }

  async list(prefix: string): Promise<RangeResult> {
    this.assertOpen();
    const kvs = [...this.kvs.values()]
      .filter((kv) => kv.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { kvs: kvs.map((kv) => ({ ...kv })), revision: this.rev };
  }

  async scan(
    prefix: string,
    onPage: (kvs: KeyValue[]) => void | Promise<void>,
    options: ScanOptions = {},
  ): Promise<number> {
    // Read at once (one revision), handed over in pages as etcd's are.
    const { kvs, revision } = await this.list(prefix);
    await inPages(kvs, options.pageSize, onPage);
    return revision;
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    this.assertOpen();
    if (!request.compare.every((c) => this.holds(c))) {
      const reads = (request.failureReads ?? [])
        .map((k) => this.kvs.get(k))
        .filter((kv): kv is KeyValue => kv !== undefined)
        .map((kv) => ({ ...kv }));
      return { succeeded: false, revision: this.rev, reads };
    }
    for (const op of request.success) {
      if (
        op.type === 'put' &&
        op.lease &&
        op.lease !== '0' &&
        !this.leases.has(op.lease)
      ) {
        throw new Error(`etcdserver: requested lease not found (${op.lease})`);
      }
    }
    this.apply(request.success);
    return { succeeded: true, revision: this.rev, reads: [] };
  }

  async watch(
    prefix: string,
    fromRevision: number,
    handlers: WatchHandlers,
  ): Promise<Watch> {
    this.assertOpen();
    const start = fromRevision > 0 ? fromRevision : this.rev + 1;
    const watcher = new LocalWatcher(prefix, handlers, () =>
      this.watchers.delete(watcher),
    );
    if (start < this.compactRevision) {
      watcher.fail(new CompactedError(start, this.compactRevision));
      return watcher;
    }
    for (const batch of this.history)
      if (batch.revision >= start) watcher.offer(batch);
    this.watchers.add(watcher);
    return watcher;
  }

  async grantLease(
    ttlSeconds: number,
    options: { keepAlive?: boolean } = {},
  ): Promise<Lease> {
    this.assertOpen();
    const id = newLeaseId(randomBytes(7));
    const handle = new LocalLeaseHandle(id, ttlSeconds, () =>
      this.revokeLease(id, 'revoked'),
    );
    const lease: MemoryLease = { id, ttlSeconds, keys: new Set(), handle };
    this.leases.set(id, lease);
    if (options.keepAlive === false) {
      // Without keepalives the holder must consider the lease lost before the server expires it.
      lease.lostTimer = setTimeout(
        () =>
          handle.markLost(
            new LeaseLostError(id, 'no keepalive within 2/3 of the TTL'),
          ),
        (ttlSeconds * 1000 * 2) / 3,
      );
      lease.expiryTimer = setTimeout(
        () => this.revokeLease(id, 'expired'),
        ttlSeconds * 1000,
      );
      lease.lostTimer.unref();
      lease.expiryTimer.unref();
    }
    return handle;
  }

  /** Test hook: the lease expires now, as if the server stopped hearing keepalives. */
  expireLease(id: string): void {
    this.revokeLease(id, 'expired');
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision <= this.compactRevision)
      throw new Error(
        `etcdserver: mvcc: required revision has been compacted (${revision} <= ${this.compactRevision})`,
      );
    if (revision > this.rev)
      throw new Error(
        `etcdserver: mvcc: required revision is a future revision (${revision} > ${this.rev})`,
      );
    this.compactRevision = revision;
    while (this.history.length > 0 && this.history[0].revision < revision)
      this.history.shift();
  }

  async revision(): Promise<number> {
    this.assertOpen();
    return this.rev;
  }

  async prefixStatus(
    prefix: string,
    afterRevision: number,
  ): Promise<PrefixStatus> {
    this.assertOpen();
    let count = 0;
    let writtenAfter = false;
    for (const kv of this.kvs.values()) {
      if (!kv.key.startsWith(prefix)) continue;
      count++;
      if (kv.modRevision > afterRevision) writtenAfter = true;
    }
    return { revision: this.rev, count, writtenAfter };
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const lease of this.leases.values()) {
      clearTimeout(lease.lostTimer);
      clearTimeout(lease.expiryTimer);
    }
    for (const watcher of this.watchers) void watcher.cancel();
    this.watchers.clear();
  }

  private holds(compare: Compare): boolean {
    const kv = this.kvs.get(compare.key);
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

  private apply(operations: Operation[]): WatchEvent[] {
    const next = this.rev + 1;
    const events: WatchEvent[] = [];
    for (const op of operations) {
      if (op.type === 'put') {
        const previous = this.kvs.get(op.key);
        const lease = op.lease ?? '0';
        if (previous && previous.lease !== '0')
          this.leases.get(previous.lease)?.keys.delete(op.key);
        const kv: KeyValue = {
          key: op.key,
          value: op.value,
          createRevision: previous?.createRevision ?? next,
          modRevision: next,
          version: (previous?.version ?? 0) + 1,
          lease,
        };
        this.kvs.set(op.key, kv);
        if (lease !== '0') this.leases.get(lease)?.keys.add(op.key);
        events.push({ type: 'put', key: op.key, kv: { ...kv } });
      } else {
        const keys =
          op.type === 'delete'
            ? [op.key]
            : [...this.kvs.keys()].filter((k) => k.startsWith(op.prefix));
        for (const key of keys) {
          const previous = this.kvs.get(key);
          if (!previous) continue;
          this.kvs.delete(key);
          if (previous.lease !== '0')
            this.leases.get(previous.lease)?.keys.delete(key);
          events.push({
            type: 'delete',
            key,
            kv: {
              key,
              value: '',
              createRevision: 0,
              modRevision: next,
              version: 0,
              lease: '0',
            },
          });
        }
      }
    }
    // etcd: a transaction that changes nothing does not create a revision.
    if (events.length === 0) return events;
    this.rev = next;
    const batch: WatchBatch = { revision: next, events };
    this.history.push(batch);
    for (const watcher of this.watchers) watcher.offer(batch);
    return events;
  }

  private revokeLease(id: string, why: 'revoked' | 'expired'): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    clearTimeout(lease.lostTimer);
    clearTimeout(lease.expiryTimer);
    this.leases.delete(id);
    this.apply(
      [...lease.keys].map((key) => ({ type: 'delete' as const, key })),
    );
    lease.handle.markLost(new LeaseLostError(id, why));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('memory state store is closed');
  }
}
