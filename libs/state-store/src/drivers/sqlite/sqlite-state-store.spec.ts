import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStateStoreContract } from '../../../test/contract/state-store.contract';
import { describeCoordinationContract } from '../../../test/contract/coordination.contract';
import { describeRecordStoresContract } from '../../../test/contract/records.contract';
import { CompactedError, WatchBatch } from '../../port/state-store';
import { openSqliteDatabase } from './sqlite-database';
import { SqliteStateStore } from './sqlite-state-store';
import { until } from '@lcm/testing';

/** A store on a database file in its own temporary directory (WAL, synchronous FULL: the real set-up). */
function onTempFile(options: { historyRevisions?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lcm-sqlite-state-'));
  const path = join(dir, 'lcm.db');
  return {
    path,
    open: () => new SqliteStateStore({ path, ...options }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function subject() {
  const file = onTempFile();
  const store = file.open();
  return {
    store,
    cleanup: async () => {
      await store.close();
      file.remove();
    },
  };
}

describeStateStoreContract('sqlite', async () => subject());
describeCoordinationContract('sqlite', async () => subject());
describeRecordStoresContract('sqlite', async () => subject());

describe('SqliteStateStore across a restart', () => {
  let file: ReturnType<typeof onTempFile>;
  beforeEach(() => (file = onTempFile()));
  afterEach(() => file.remove());

  const put = (
    store: SqliteStateStore,
    key: string,
    value: string,
    lease?: string,
  ) =>
    store.txn({ compare: [], success: [{ type: 'put', key, value, lease }] });

  it('keeps every committed key, its MVCC metadata and the revision', async () => {
    const first = file.open();
    const a = await put(first, '/a', '1');
    const b = await put(first, '/a', '2');
    await first.close();

    const second = file.open();
    expect(await second.revision()).toBe(b.revision);
    expect(await second.get('/a')).toEqual({
      key: '/a',
      value: '2',
      createRevision: a.revision,
      modRevision: b.revision,
      version: 2,
      lease: '0',
    });
    expect((await put(second, '/b', '3')).revision).toBe(b.revision + 1);
    await second.close();
  });

  it('serves a watch from a revision written before the restart, then the live ones', async () => {
    const first = file.open();
    const start = (await first.revision()) + 1;
    const one = await first.txn({
      compare: [],
      success: [
        { type: 'put', key: '/w/x', value: '1' },
        { type: 'put', key: '/w/y', value: '2' },
      ],
    });
    const two = await first.txn({
      compare: [],
      success: [{ type: 'delete', key: '/w/x' }],
    });
    await first.close();

    const second = file.open();
    const batches: WatchBatch[] = [];
    const watch = await second.watch('/w/', start, {
      onBatch: (b) => void batches.push(b),
      onCancelled: (e) => {
        throw e;
      },
    });
    const three = await put(second, '/w/z', '3');
    await until(() => batches.length === 3);
    await watch.cancel();
    expect(batches.map((b) => b.revision)).toEqual([
      one.revision,
      two.revision,
      three.revision,
    ]);
    expect(batches[0].events.map((e) => [e.type, e.key, e.kv.value])).toEqual([
      ['put', '/w/x', '1'],
      ['put', '/w/y', '2'],
    ]);
    expect(
      batches[1].events.map((e) => [e.type, e.key, e.kv.modRevision]),
    ).toEqual([['delete', '/w/x', two.revision]]);
    await second.close();
  });

  it('keeps the compaction across a restart: a watch from before it is cancelled with CompactedError', async () => {
    const first = file.open();
    const old = await put(first, '/c', '1');
    const latest = await put(first, '/c', '2');
    await first.compact(latest.revision);
    await first.close();

    const second = file.open();
    let cancelled: Error | undefined;
    await second.watch('/c', old.revision, {
      onBatch: () => undefined,
      onCancelled: (e) => (cancelled = e),
    });
    await until(() => cancelled !== undefined);
    expect(cancelled).toBeInstanceOf(CompactedError);
    await second.close();
  });

  it('deletes the keys of leases held by the previous process when it opens, in one revision watchers see', async () => {
    const first = file.open();
    const lease = await first.grantLease(3600);
    await put(first, '/l/leader', 'me', lease.id);
    await put(first, '/l/durable', 'kept');
    const before = await first.revision();
    // No revoke, no close: the process is gone (the database file is all that is left).
    (first as unknown as { closed: boolean }).closed = true;
    (first as unknown as { db: { close(): void } }).db.close();

    const second = file.open();
    expect(await second.get('/l/leader')).toBeUndefined();
    expect((await second.get('/l/durable'))?.value).toBe('kept');
    expect(await second.revision()).toBe(before + 1);
    const batches: WatchBatch[] = [];
    await second.watch('/l/', before + 1, {
      onBatch: (b) => void batches.push(b),
      onCancelled: (e) => {
        throw e;
      },
    });
    await until(() => batches.length === 1);
    expect(batches[0].events.map((e) => [e.type, e.key])).toEqual([
      ['delete', '/l/leader'],
    ]);
    await second.close();
  });

  it('compacts its watch history by itself once it is twice the retained length', async () => {
    const store = new SqliteStateStore({
      path: file.path,
      historyRevisions: 10,
    });
    const first = await put(store, '/h/k', '0');
    for (let i = 1; i <= 25; i++) await put(store, '/h/k', String(i));
    let cancelled: Error | undefined;
    await store.watch('/h/', first.revision, {
      onBatch: () => undefined,
      onCancelled: (e) => (cancelled = e),
    });
    await until(() => cancelled !== undefined);
    expect(cancelled).toBeInstanceOf(CompactedError);
    const recent: WatchBatch[] = [];
    const head = await store.revision();
    await store.watch('/h/', head - 9, {
      onBatch: (b) => void recent.push(b),
      onCancelled: (e) => {
        throw e;
      },
    });
    await until(() => recent.length === 10);
    await store.close();
  });

  it('refuses a second process on the same database file', async () => {
    const first = file.open();
    expect(() => openSqliteDatabase(file.path)).toThrow(
      /in use by another process/,
    );
    await first.close();
    const again = file.open();
    await again.close();
  });
});
