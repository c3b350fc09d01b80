import type { Statement } from 'better-sqlite3';
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
import { openSqliteDatabase, type SqliteDatabase } from './sqlite-database';

export interface SqliteStateStoreOptions {
  /** An open database (shared with the doc store and the fleet); the store does not close it. */
  database?: SqliteDatabase;
  /** Or a file to open (created when absent); closed with the store. */
  path?: string;
  /**
   * Watch history kept, in revisions (etcd's auto-compaction): once the history is twice this long
   * it is compacted down to this many revisions. Default 10,000.
   */
  historyRevisions?: number;
}

interface KvRow {
  key: Buffer;
  value: string;
  create_revision: number;
  mod_revision: number;
  version: number;
  lease: string;
}

interface HistoryRow extends KvRow {
  revision: number;
  type: 'put' | 'delete';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS state_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO state_meta (name, value) VALUES ('revision', 1), ('compact_revision', 0);
CREATE TABLE IF NOT EXISTS state_kv (
  key BLOB PRIMARY KEY, value TEXT NOT NULL, create_revision INTEGER NOT NULL,
  mod_revision INTEGER NOT NULL, version INTEGER NOT NULL, lease TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS state_kv_lease ON state_kv (lease) WHERE lease <> '0';
CREATE TABLE IF NOT EXISTS state_history (
  revision INTEGER NOT NULL, position INTEGER NOT NULL, type TEXT NOT NULL, key BLOB NOT NULL,
  value TEXT NOT NULL, create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL,
  version INTEGER NOT NULL, lease TEXT NOT NULL, PRIMARY KEY (revision, position)
) WITHOUT ROWID;
`;

/**
 * The embedded driver: etcd's data model in SQLite (as k3s's kine does). `state_kv` holds every
 * key's current value with its MVCC metadata; `state_history` every event of every retained
 * revision, so a watch can start from any revision since the last compaction, including one
 * written before a restart. A transaction's compares and writes run in one SQLite transaction, and
 * its promise resolves only after that transaction committed (and, with the database's
 * `synchronous = FULL`, reached the disk).
 *
 * One process owns the database (see openSqliteDatabase): watches are served in-process, and
 * leases live as long as this process keeps them. Keys of leases found at open belong to a process
 * that is gone: they are deleted at open, in one revision that watchers see.
 */
export class SqliteStateStore implements StateStore {
  readonly driver = 'sqlite';
  private readonly db: SqliteDatabase;
  private readonly ownsDatabase: boolean;
  private readonly historyRevisions: number;
  private rev: number;
  private compactRevision: number;
  private readonly watchers = new LocalWatchers();
  private readonly leases = new Map<string, LocalLease>();
  private closed = false;
  private readonly sql: {
    get: Statement<[Buffer], KvRow>;
    rangeFrom: Statement<[Buffer], KvRow>;
    range: Statement<[Buffer, Buffer], KvRow>;
    upsert: Statement<[Buffer, string, number, number, number, string]>;
    remove: Statement<[Buffer]>;
    history: Statement<
      [number, number, string, Buffer, string, number, number, number, string]
    >;
    historyFrom: Statement<[number], HistoryRow>;
    setMeta: Statement<[number, string]>;
    leaseKeys: Statement<[string], { key: Buffer }>;
  };

  constructor(options: SqliteStateStoreOptions) {
    if (options.database) {
      this.db = options.database;
      this.ownsDatabase = false;
    } else if (options.path) {
      this.db = openSqliteDatabase(options.path);
      this.ownsDatabase = true;
    } else {
      throw new Error('sqlite state store: give a database or a path');
    }
    this.historyRevisions = options.historyRevisions ?? 10_000;
    if (!Number.isInteger(this.historyRevisions) || this.historyRevisions < 1)
      throw new Error(
        `sqlite state store: historyRevisions must be a positive integer, got ${this.historyRevisions}`,
      );
    this.db.exec(SCHEMA);
    const columns = 'key, value, create_revision, mod_revision, version, lease';
    this.sql = {
      get: this.db.prepare(`SELECT ${columns} FROM state_kv WHERE key = ?`),
      rangeFrom: this.db.prepare(
        `SELECT ${columns} FROM state_kv WHERE key >= ? ORDER BY key`,
      ),
      range: this.db.prepare(
        `SELECT ${columns} FROM state_kv WHERE key >= ? AND key < ? ORDER BY key`,
      ),
      upsert: this.db.prepare(
        `INSERT OR REPLACE INTO state_kv (${columns}) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      remove: this.db.prepare('DELETE FROM state_kv WHERE key = ?'),
      history: this.db.prepare(
        `INSERT INTO state_history (revision, position, type, ${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      historyFrom: this.db.prepare(
        `SELECT revision, type, ${columns} FROM state_history WHERE revision >= ? ORDER BY revision, position`,
      ),
      setMeta: this.db.prepare(
        'UPDATE state_meta SET value = ? WHERE name = ?',
      ),
      leaseKeys: this.db.prepare(
        "SELECT key FROM state_kv WHERE lease = ? AND lease <> '0'",
      ),
    };
    const meta = new Map(
      (
        this.db.prepare('SELECT name, value FROM state_meta').all() as {
          name: string;
          value: number;
        }[]
      ).map((r) => [r.name, r.value]),
    );
    this.rev = meta.get('revision') ?? 1;
    this.compactRevision = meta.get('compact_revision') ?? 0;
    this.expireOrphanedLeases();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    return this.current(key);
  }

  async list(prefix: string): Promise<RangeResult> {
    this.assertOpen();
    return { kvs: this.rangeRows(prefix).map(toKeyValue), revision: this.rev };
  }

  async scan(
    prefix: string,
    onPage: (kvs: KeyValue[]) => void | Promise<void>,
    options: ScanOptions = {},
  ): Promise<number> {
    this.assertOpen();
    // Read at once (one revision), handed over in pages as etcd's are.
    const rows = this.rangeRows(prefix);
    const revision = this.rev;
    await inPages(rows, options.pageSize, (page) =>
      onPage(page.map(toKeyValue)),
    );
    return revision;
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    this.assertOpen();
    const outcome = this.db
      .transaction(() => {
        if (
          !request.compare.every((c) => compareHolds(c, this.current(c.key)))
        ) {
          const reads = (request.failureReads ?? [])
            .map((k) => this.sql.get.get(Buffer.from(k)))
            .filter((row): row is KvRow => row !== undefined);
          return { succeeded: false, reads: reads.map(toKeyValue) };
        }
        assertLeasesGranted(request.success, (id) => this.leases.has(id));
        return { succeeded: true, batch: this.apply(request.success) };
      })
      .immediate();
    // Committed: only now is the write acknowledged and shown to watchers.
    if (!outcome.succeeded)
      return {
        succeeded: false,
        revision: this.rev,
        reads: outcome.reads ?? [],
      };
    if (outcome.batch) this.committed(outcome.batch);
    return { succeeded: true, revision: this.rev, reads: [] };
  }

  async watch(
    prefix: string,
    fromRevision: number,
    handlers: WatchHandlers,
  ): Promise<Watch> {
    this.assertOpen();
    return this.watchers.open(prefix, fromRevision, handlers, {
      revision: this.rev,
      compactRevision: this.compactRevision,
      since: (start) => this.historySince(start),
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
    this.leases.set(lease.id, lease);
    return lease.handle;
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    assertCompactable(revision, this.compactRevision, this.rev);
    this.db.transaction(() => this.compactTo(revision)).immediate();
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
    const from = Buffer.from(prefix);
    const end = prefixEnd(from);
    const row = (
      end
        ? this.db
            .prepare(
              'SELECT count(*) AS count, coalesce(max(mod_revision), 0) AS newest FROM state_kv WHERE key >= ? AND key < ?',
            )
            .get(from, end)
        : this.db
            .prepare(
              'SELECT count(*) AS count, coalesce(max(mod_revision), 0) AS newest FROM state_kv WHERE key >= ?',
            )
            .get(from)
    ) as { count: number; newest: number };
    return {
      revision: this.rev,
      count: row.count,
      writtenAfter: row.newest > afterRevision,
    };
  }

  async ping(): Promise<boolean> {
    return !this.closed && this.db.open;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const lease of this.leases.values()) lease.stopTimers();
    this.watchers.cancelAll();
    if (this.ownsDatabase) this.db.close();
  }

  private current(key: string): KeyValue | undefined {
    const row = this.sql.get.get(Buffer.from(key));
    return row ? toKeyValue(row) : undefined;
  }

  /** Inside a transaction: writes the operations as the next revision; undefined when nothing changed. */
  private apply(operations: Operation[]): WatchBatch | undefined {
    const next = this.rev + 1;
    const events: WatchEvent[] = [];
    for (const op of operations) {
      if (op.type === 'put') {
        const key = Buffer.from(op.key);
        const previous = this.sql.get.get(key);
        const lease = op.lease ?? '0';
        const createRevision = previous?.create_revision ?? next;
        const version = (previous?.version ?? 0) + 1;
        this.sql.upsert.run(
          key,
          op.value,
          createRevision,
          next,
          version,
          lease,
        );
        this.sql.history.run(
          next,
          events.length,
          'put',
          key,
          op.value,
          createRevision,
          next,
          version,
          lease,
        );
        events.push({
          type: 'put',
          key: op.key,
          kv: {
            key: op.key,
            value: op.value,
            createRevision,
            modRevision: next,
            version,
            lease,
          },
        });
      } else {
        const keys =
          op.type === 'delete'
            ? this.sql.get.get(Buffer.from(op.key))
              ? [Buffer.from(op.key)]
              : []
            : this.rangeRows(op.prefix).map((row) => row.key);
        for (const key of keys) this.recordDelete(key, next, events);
      }
    }
    // etcd: a transaction that changes nothing does not create a revision.
    if (events.length === 0) return undefined;
    this.sql.setMeta.run(next, 'revision');
    return { revision: next, events };
  }

  /** After the commit of a revision: advance, show it to watchers, compact the history when due. */
  private committed(batch: WatchBatch): void {
    this.rev = batch.revision;
    this.watchers.publish(batch);
    if (this.rev - this.compactRevision > 2 * this.historyRevisions)
      this.db
        .transaction(() => this.compactTo(this.rev - this.historyRevisions))
        .immediate();
  }

  private recordDelete(
    key: Buffer,
    revision: number,
    events: WatchEvent[],
  ): void {
    this.sql.remove.run(key);
    this.sql.history.run(
      revision,
      events.length,
      'delete',
      key,
      '',
      0,
      revision,
      0,
      '0',
    );
    const text = key.toString();
    events.push({
      type: 'delete',
      key: text,
      kv: {
        key: text,
        value: '',
        createRevision: 0,
        modRevision: revision,
        version: 0,
        lease: '0',
      },
    });
  }

  private compactTo(revision: number): void {
    this.db
      .prepare('DELETE FROM state_history WHERE revision < ?')
      .run(revision);
    this.sql.setMeta.run(revision, 'compact_revision');
    this.compactRevision = revision;
  }

  private rangeRows(prefix: string): KvRow[] {
    const from = Buffer.from(prefix);
    const end = prefixEnd(from);
    return end ? this.sql.range.all(from, end) : this.sql.rangeFrom.all(from);
  }

  private historySince(start: number): WatchBatch[] {
    const batches: WatchBatch[] = [];
    for (const row of this.sql.historyFrom.iterate(start)) {
      const kv = toKeyValue(row);
      const event: WatchEvent = { type: row.type, key: kv.key, kv };
      const last = batches[batches.length - 1];
      if (last?.revision === row.revision) last.events.push(event);
      else batches.push({ revision: row.revision, events: [event] });
    }
    return batches;
  }

  private revokeLease(id: string, why: 'revoked' | 'expired'): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    lease.stopTimers();
    this.leases.delete(id);
    if (!this.closed) this.deleteLeaseKeys([id]);
    lease.ended(why);
  }

  /** Deletes every key of these leases in one revision (none when they had no keys). */
  private deleteLeaseKeys(ids: string[]): void {
    const batch = this.db
      .transaction(() => {
        const next = this.rev + 1;
        const events: WatchEvent[] = [];
        for (const id of ids)
          for (const { key } of this.sql.leaseKeys.all(id))
            this.recordDelete(key, next, events);
        if (events.length === 0) return undefined;
        this.sql.setMeta.run(next, 'revision');
        return { revision: next, events };
      })
      .immediate();
    if (batch) this.committed(batch);
  }

  /** Leases do not outlive the process that held them (it kept them alive, and it is gone). */
  private expireOrphanedLeases(): void {
    const orphans = (
      this.db
        .prepare("SELECT DISTINCT lease FROM state_kv WHERE lease <> '0'")
        .all() as { lease: string }[]
    ).map((r) => r.lease);
    if (orphans.length > 0) this.deleteLeaseKeys(orphans);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('sqlite state store is closed');
  }
}

function toKeyValue(row: KvRow): KeyValue {
  return {
    key: row.key.toString(),
    value: row.value,
    createRevision: row.create_revision,
    modRevision: row.mod_revision,
    version: row.version,
    lease: row.lease,
  };
}

/** The first key after every key starting with `prefix` (etcd's range_end); undefined for "no end". */
function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}
