import {
  KeyValue,
  Lease,
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
  assertCompactable,
  assertLeasesGranted,
  compareHolds,
  inPages,
  LocalLease,
  LocalWatchers,
} from '../local/local-watch';

/** A granted lease and the keys put under it (deleted with it). */
interface MemoryLease {
  lease: LocalLease;
  keys: Set<string>;
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
  private readonly watchers = new LocalWatchers();
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
    if (!request.compare.every((c) => compareHolds(c, this.kvs.get(c.key)))) {
      const reads = (request.failureReads ?? [])
        .map((k) => this.kvs.get(k))
        .filter((kv): kv is KeyValue => kv !== undefined)
        .map((kv) => ({ ...kv }));
      return { succeeded: false, revision: this.rev, reads };
    }
    assertLeasesGranted(request.success, (id) => this.leases.has(id));
    this.apply(request.success);
    return { succeeded: true, revision: this.rev, reads: [] };
  }

  async watch(
    prefix: string,
    fromRevision: number,
    handlers: WatchHandlers,
  ): Promise<Watch> {
    this.assertOpen();
    const history = this.history;
    return this.watchers.open(prefix, fromRevision, handlers, {
      revision: this.rev,
      compactRevision: this.compactRevision,
      since: (start) => history.filter((batch) => batch.revision >= start),
    });
  }

  async grantLease(
    ttlSeconds: number,
    options: { keepAlive?: boolean } = {},
  ): Promise<Lease> {
    this.assertOpen();
    const lease = new LocalLease(
      ttlSeconds,
      options.keepAlive !== false,
      (id, why) => this.revokeLease(id, why),
    );
    this.leases.set(lease.id, { lease, keys: new Set() });
    return lease.handle;
  }

  /** Test hook: the lease expires now, as if the server stopped hearing keepalives. */
  expireLease(id: string): void {
    this.revokeLease(id, 'expired');
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    assertCompactable(revision, this.compactRevision, this.rev);
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
    for (const { lease } of this.leases.values()) lease.stopTimers();
    this.watchers.cancelAll();
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
    this.watchers.publish(batch);
    return events;
  }

  private revokeLease(id: string, why: 'revoked' | 'expired'): void {
    const held = this.leases.get(id);
    if (!held) return;
    held.lease.stopTimers();
    this.leases.delete(id);
    this.apply([...held.keys].map((key) => ({ type: 'delete' as const, key })));
    held.lease.ended(why);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('memory state store is closed');
  }
}
