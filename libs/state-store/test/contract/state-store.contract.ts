import { randomBytes } from 'node:crypto';
import { CompactedError, StateStore, WatchBatch } from '../../src';
import { settle, until } from '@lcm/testing';

export interface ContractSubject {
  store: StateStore;
  /** Stops the driver (closing clients) after the suite. */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every StateStore driver must have. Runs unchanged against `memory` (unit) and
 * `etcd` (integration, real server). Each test works under its own key prefix.
 */
export function describeStateStoreContract(
  driver: string,
  subject: () => Promise<ContractSubject>,
): void {
  describe(`StateStore contract: ${driver}`, () => {
    let s: ContractSubject;
    let store: StateStore;
    let p: string;

    beforeAll(async () => {
      s = await subject();
      store = s.store;
    });
    afterAll(() => s.cleanup());
    beforeEach(() => {
      p = `/contract-${randomBytes(4).toString('hex')}/`;
    });

    const put = (key: string, value: string, lease?: string) =>
      store.txn({ compare: [], success: [{ type: 'put', key, value, lease }] });

    it('reads back what a transaction wrote, with its revisions', async () => {
      const written = await put(`${p}a`, 'one');
      const kv = await store.get(`${p}a`);
      expect(kv).toMatchObject({
        key: `${p}a`,
        value: 'one',
        createRevision: written.revision,
        modRevision: written.revision,
        version: 1,
      });
      const again = await put(`${p}a`, 'two');
      expect(await store.get(`${p}a`)).toMatchObject({
        value: 'two',
        createRevision: written.revision,
        modRevision: again.revision,
        version: 2,
      });
      expect(await store.get(`${p}missing`)).toBeUndefined();
    });

    it('lists a prefix in key order at one revision, and nothing outside it', async () => {
      await put(`${p}b`, '2');
      const lastWrite = await put(`${p}a`, '1');
      await put(`${p.slice(0, -1)}x`, 'outside');
      const listed = await store.list(p);
      expect(listed.kvs.map((kv) => [kv.key, kv.value])).toEqual([
        [`${p}a`, '1'],
        [`${p}b`, '2'],
      ]);
      // Read at (or after) the last write, never ahead of the store (other suites may write meanwhile).
      expect(listed.revision).toBeGreaterThanOrEqual(lastWrite.revision);
      expect(listed.revision).toBeLessThanOrEqual(await store.revision());
    });

    it('scans a prefix page by page, every page at the first one’s revision, even while it is written', async () => {
      for (const k of ['a', 'b', 'c', 'd', 'e']) await put(`${p}${k}`, k);
      await put(`${p.slice(0, -1)}x`, 'outside');
      const before = await store.list(p);
      const pages: [string, string][][] = [];
      const revision = await store.scan(
        p,
        async (kvs) => {
          pages.push(kvs.map((kv) => [kv.key, kv.value]));
          // Writes between pages (a change, a new key, a deletion) are not in the scan.
          if (pages.length === 1)
            await store.txn({
              compare: [],
              success: [
                { type: 'put', key: `${p}d`, value: 'changed' },
                { type: 'put', key: `${p}f`, value: 'new' },
                { type: 'delete', key: `${p}e` },
              ],
            });
        },
        { pageSize: 2 },
      );
      expect(pages).toEqual([
        [
          [`${p}a`, 'a'],
          [`${p}b`, 'b'],
        ],
        [
          [`${p}c`, 'c'],
          [`${p}d`, 'd'],
        ],
        [[`${p}e`, 'e']],
      ]);
      expect(revision).toBeGreaterThanOrEqual(before.revision);
      expect(revision).toBeLessThan(await store.revision());
      // An empty prefix: no page, the store's revision.
      const empty: unknown[] = [];
      const at = await store.scan(`${p}none/`, (kvs) => void empty.push(kvs));
      expect(empty).toEqual([]);
      expect(at).toBeGreaterThanOrEqual(revision);
    });

    it('tells a prefix’s key count and whether a key was written after a revision, at one revision', async () => {
      const empty = await store.prefixStatus(p, 0);
      expect(empty).toMatchObject({ count: 0, writtenAfter: false });
      const a = await put(`${p}a`, '1');
      const b = await put(`${p}b`, '2');
      await put(`${p.slice(0, -1)}-outside`, 'x');
      const status = await store.prefixStatus(p, a.revision);
      expect(status).toEqual({
        revision: await store.revision(),
        count: 2,
        writtenAfter: true,
      });
      expect(await store.prefixStatus(p, b.revision)).toMatchObject({
        count: 2,
        writtenAfter: false,
      });
      await store.txn({
        compare: [],
        success: [{ type: 'delete', key: `${p}a` }],
      });
      expect(await store.prefixStatus(p, b.revision)).toMatchObject({
        count: 1,
        writtenAfter: false,
      });
    });

    it('rejects a compare-and-swap on a stale revision and reports the current value', async () => {
      const first = await put(`${p}cas`, 'v1');
      await put(`${p}cas`, 'v2');
      const stale = await store.txn({
        compare: [
          {
            key: `${p}cas`,
            target: 'modRevision',
            op: '=',
            value: first.revision,
          },
        ],
        success: [{ type: 'put', key: `${p}cas`, value: 'v3' }],
        failureReads: [`${p}cas`],
      });
      expect(stale.succeeded).toBe(false);
      expect(stale.reads).toEqual([
        expect.objectContaining({ key: `${p}cas`, value: 'v2' }),
      ]);
      expect((await store.get(`${p}cas`))?.value).toBe('v2');
    });

    it('applies a multi-key transaction all or nothing', async () => {
      await put(`${p}guard`, 'x');
      const failed = await store.txn({
        compare: [
          { key: `${p}guard`, target: 'value', op: '=', value: 'not x' },
        ],
        success: [
          { type: 'put', key: `${p}k1`, value: '1' },
          { type: 'put', key: `${p}k2`, value: '2' },
        ],
      });
      expect(failed.succeeded).toBe(false);
      expect((await store.list(p)).kvs.map((kv) => kv.key)).toEqual([
        `${p}guard`,
      ]);

      const ok = await store.txn({
        compare: [{ key: `${p}guard`, target: 'value', op: '=', value: 'x' }],
        success: [
          { type: 'put', key: `${p}k1`, value: '1' },
          { type: 'put', key: `${p}k2`, value: '2' },
          { type: 'delete', key: `${p}guard` },
        ],
      });
      expect(ok.succeeded).toBe(true);
      const kvs = (await store.list(p)).kvs;
      expect(kvs.map((kv) => kv.key)).toEqual([`${p}k1`, `${p}k2`]);
      expect(kvs.every((kv) => kv.modRevision === ok.revision)).toBe(true);
    });

    it('creates a key only when absent (createRevision = 0)', async () => {
      const create = () =>
        store.txn({
          compare: [
            { key: `${p}once`, target: 'createRevision', op: '=', value: 0 },
          ],
          success: [{ type: 'put', key: `${p}once`, value: 'mine' }],
        });
      expect((await create()).succeeded).toBe(true);
      expect((await create()).succeeded).toBe(false);
    });

    it('deletes every key under a prefix in one revision', async () => {
      await put(`${p}d/1`, '1');
      await put(`${p}d/2`, '2');
      await put(`${p}keep`, 'k');
      await store.txn({
        compare: [],
        success: [{ type: 'deletePrefix', prefix: `${p}d/` }],
      });
      expect((await store.list(p)).kvs.map((kv) => kv.key)).toEqual([
        `${p}keep`,
      ]);
    });

    it('watches from a revision: exactly the later events, all events of one revision in one batch, in order', async () => {
      await put(`${p}before`, '0');
      const start = (await store.revision()) + 1;
      const multi = await store.txn({
        compare: [],
        success: [
          { type: 'put', key: `${p}x`, value: '1' },
          { type: 'put', key: `${p}y`, value: '2' },
        ],
      });
      const del = await store.txn({
        compare: [],
        success: [{ type: 'delete', key: `${p}x` }],
      });
      await put(`${p.slice(0, -1)}-other`, 'not watched');

      const batches: WatchBatch[] = [];
      const watch = await store.watch(p, start, {
        onBatch: (b) => void batches.push(b),
        onCancelled: (e) => {
          throw e;
        },
      });
      const live = await put(`${p}z`, '3');
      await until(() => batches.length === 3);
      await watch.cancel();

      expect(batches.map((b) => b.revision)).toEqual([
        multi.revision,
        del.revision,
        live.revision,
      ]);
      expect(batches[0].events.map((e) => [e.type, e.key, e.kv.value])).toEqual(
        [
          ['put', `${p}x`, '1'],
          ['put', `${p}y`, '2'],
        ],
      );
      expect(batches[1].events.map((e) => [e.type, e.key])).toEqual([
        ['delete', `${p}x`],
      ]);
      expect(batches[2].events.map((e) => [e.type, e.key, e.kv.value])).toEqual(
        [['put', `${p}z`, '3']],
      );
    });

    it('delivers the next batch only after the handler finished the previous one', async () => {
      const start = (await store.revision()) + 1;
      const log: string[] = [];
      const watch = await store.watch(p, start, {
        onBatch: async (b) => {
          log.push(`start ${b.revision}`);
          await settle(30);
          log.push(`end ${b.revision}`);
        },
        onCancelled: (e) => {
          throw e;
        },
      });
      const r1 = await put(`${p}1`, 'a');
      const r2 = await put(`${p}2`, 'b');
      await until(() => log.length === 4);
      await watch.cancel();
      expect(log).toEqual([
        `start ${r1.revision}`,
        `end ${r1.revision}`,
        `start ${r2.revision}`,
        `end ${r2.revision}`,
      ]);
    });

    it('cancels a watch whose start revision was compacted, with a CompactedError', async () => {
      const old = await put(`${p}c`, '1');
      await put(`${p}c`, '2');
      const latest = await put(`${p}c`, '3');
      await store.compact(latest.revision);
      let cancelled: Error | undefined;
      const batches: WatchBatch[] = [];
      const watch = await store.watch(p, old.revision, {
        onBatch: (b) => void batches.push(b),
        onCancelled: (e) => (cancelled = e),
      });
      await until(() => cancelled !== undefined);
      await watch.cancel();
      expect(cancelled).toBeInstanceOf(CompactedError);
      expect(batches).toEqual([]);
      // The compacted store still serves current values: a re-list then watch from there works.
      const listed = await store.list(p);
      expect(listed.kvs.map((kv) => kv.value)).toEqual(['3']);
    });

    it('removes a lease’s keys when it expires, and signals `lost` before they disappear', async () => {
      const lease = await store.grantLease(1, { keepAlive: false });
      await put(`${p}ephemeral`, 'here', lease.id);
      let lostAt = 0;
      let goneAt = 0;
      lease.onLost(() => (lostAt = Date.now()));
      const started = Date.now();
      while (!goneAt && Date.now() - started < 6000) {
        if (!(await store.get(`${p}ephemeral`))) goneAt = Date.now();
        else await settle(25);
      }
      expect(goneAt).toBeGreaterThan(0);
      expect(lostAt).toBeGreaterThan(0);
      expect(lostAt).toBeLessThanOrEqual(goneAt);
      expect(lease.isLost()).toBe(true);
    });

    it('keeps a lease alive past its TTL while keepalives succeed, and revoking it removes its keys', async () => {
      const lease = await store.grantLease(1);
      let lost = false;
      lease.onLost(() => (lost = true));
      await put(`${p}held`, 'yes', lease.id);
      await settle(2200);
      expect(lost).toBe(false);
      expect((await store.get(`${p}held`))?.lease).toBe(lease.id);
      await lease.revoke();
      expect(await store.get(`${p}held`)).toBeUndefined();
      expect(lease.isLost()).toBe(true);
    });

    it('refuses to attach a key to a lease that does not exist', async () => {
      await expect(put(`${p}orphan`, 'x', '123456789')).rejects.toThrow(
        /lease not found/,
      );
    });
  });
}
