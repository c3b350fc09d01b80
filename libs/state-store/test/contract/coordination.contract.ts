import { randomBytes } from 'node:crypto';
import {
  Fence,
  fenceCompare,
  KeyValue,
  LeaderElection,
  PrefixInformer,
  StateStore,
  StoreObserver,
  WatchBatch,
  WatchCache,
  WatchHandlers,
} from '../../src';
import { settle, until } from '@lcm/testing';

export interface CoordinationSubject {
  store: StateStore;
  cleanup(): Promise<void>;
}

/** A store whose leases get no keepalives: what a crashed or partitioned process looks like to etcd. */
function withoutKeepalives(store: StateStore): StateStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'grantLease')
        return (ttl: number) => target.grantLease(ttl, { keepAlive: false });
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A store whose watches deliver nothing: a candidate that has not seen a change yet. */
function withBlindWatches(store: StateStore): StateStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'watch')
        return async () => ({ cancel: async () => undefined });
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A store whose watches hand nothing over until `open()`: a cache that falls behind its store. */
function withHeldWatches(store: StateStore): {
  store: StateStore;
  open(): void;
} {
  let opened!: () => void;
  const gate = new Promise<void>((resolve) => (opened = resolve));
  const held = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'watch')
        return (prefix: string, from: number, handlers: WatchHandlers) =>
          target.watch(prefix, from, {
            ...handlers,
            onBatch: async (batch) => {
              await gate;
              await handlers.onBatch(batch);
            },
          });
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: held, open: () => opened() };
}

/** A store whose first watch starts only after `open()`: its start revision can be compacted meanwhile. */
function withLateFirstWatch(store: StateStore): {
  store: StateStore;
  open(): void;
} {
  let opened!: () => void;
  const gate = new Promise<void>((resolve) => (opened = resolve));
  let first = true;
  const late = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'watch')
        return async (
          prefix: string,
          from: number,
          handlers: WatchHandlers,
        ) => {
          if (first) {
            first = false;
            await gate;
          }
          return target.watch(prefix, from, handlers);
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: late, open: () => opened() };
}

interface Item {
  id: string;
  colour: string;
  revision: number;
}

/** A cache of `{p}{id}/state` records holding `{"colour": ...}`, indexed by colour. */
function itemCache(
  store: StateStore,
  p: string,
  name = 'items',
): WatchCache<Item> {
  return new WatchCache<Item>(store, {
    name,
    prefix: p,
    itemIdOf: (key) => key.slice(p.length).split('/')[0] || undefined,
    build: (id, kvs) => {
      const state = kvs.find((kv) => kv.key === `${p}${id}/state`);
      return state
        ? {
            id,
            colour: (JSON.parse(state.value) as { colour: string }).colour,
            revision: state.modRevision,
          }
        : undefined;
    },
    indexes: { colour: (item) => item.colour },
    freshnessTimeoutMs: 3000,
  });
}

/** Leader election and the never-miss watch, built on the port: the same code for every driver. */
export function describeCoordinationContract(
  driver: string,
  subject: () => Promise<CoordinationSubject>,
): void {
  describe(`coordination on the ${driver} driver`, () => {
    let s: CoordinationSubject;
    let store: StateStore;
    let p: string;
    beforeAll(async () => {
      s = await subject();
      store = s.store;
    });
    afterAll(() => s.cleanup());
    beforeEach(() => {
      p = `/coord-${randomBytes(4).toString('hex')}/`;
    });

    describe('leader election', () => {
      it('a standby takes over within TTL + 1 s when the leader stops renewing, and the deposed leader’s fenced commit fails', async () => {
        const ttl = 2;
        const timeline: string[] = [];
        let electedA = 0;
        let electedB = 0;
        const a = new LeaderElection({
          store: withoutKeepalives(store),
          key: `${p}leader`,
          candidateId: 'a',
          ttlSeconds: ttl,
          onElected: () => {
            electedA = Date.now();
            timeline.push('a elected');
          },
          // A crashed leader does not campaign again: once deposed, this candidate is gone.
          onDeposed: () => {
            timeline.push('a deposed');
            void a.resign();
          },
        });
        const fenceA: Fence = await a.campaign();
        const b = new LeaderElection({
          store,
          key: `${p}leader`,
          candidateId: 'b',
          ttlSeconds: ttl,
          onElected: () => {
            electedB = Date.now();
            timeline.push('b elected');
          },
        });
        b.start();
        expect(a.isLeader()).toBe(true);
        expect(await b.currentLeader()).toBe('a');

        await until(() => electedB > 0, (ttl + 3) * 1000);
        expect(electedB - electedA).toBeLessThanOrEqual((ttl + 1) * 1000);
        // The old leader noticed on its own, before the new one was elected.
        expect(timeline).toEqual(['a elected', 'a deposed', 'b elected']);
        expect(a.isLeader()).toBe(false);
        expect(await b.currentLeader()).toBe('b');

        const stale = await store.txn({
          compare: [fenceCompare(fenceA)],
          success: [{ type: 'put', key: `${p}decision`, value: 'by a' }],
        });
        expect(stale.succeeded).toBe(false);
        const current = b.fence() as Fence;
        const fresh = await store.txn({
          compare: [fenceCompare(current)],
          success: [{ type: 'put', key: `${p}decision`, value: 'by b' }],
        });
        expect(fresh.succeeded).toBe(true);

        await a.resign();
        await b.resign();
      });

      it("a step-down names its term: a stale one changes nothing, and a resign never deletes a newer term's key", async () => {
        const elected: number[] = [];
        const deposed: number[] = [];
        const a = new LeaderElection({
          store,
          key: `${p}leader`,
          candidateId: 'a',
          ttlSeconds: 5,
          onElected: (f) => elected.push(f.createRevision),
          onDeposed: (_reason, f) => deposed.push(f.createRevision),
        });
        const first = await a.campaign();
        expect(await a.stepDown(first, 'a fenced write was refused')).toBe(
          true,
        );
        await until(() => elected.length === 2, 5000, 'the next term');
        const second = a.fence() as Fence;
        expect(second.createRevision).not.toBe(first.createRevision);
        // Work of the first term fails late and steps down again: the second term is untouched.
        expect(await a.stepDown(first, 'late failure of the old term')).toBe(
          false,
        );
        await settle(100);
        expect(a.isLeader()).toBe(true);
        expect((await store.get(`${p}leader`))?.createRevision).toBe(
          second.createRevision,
        );
        expect(deposed).toEqual([first.createRevision]);
        expect(a.knownLeader()).toBe('a');

        await a.resign();

        // A holder that has not yet seen its key go (its watch lags) resigns after another candidate
        // took the key over: the delete compares create revision and lease, so the new key stays.
        const lagging = new LeaderElection({
          store: withBlindWatches(store),
          key: `${p}leader`,
          candidateId: 'lagging',
          ttlSeconds: 5,
        });
        await lagging.campaign();
        await store.txn({
          compare: [],
          success: [{ type: 'delete', key: `${p}leader` }],
        });
        const b = new LeaderElection({
          store,
          key: `${p}leader`,
          candidateId: 'b',
          ttlSeconds: 5,
        });
        await b.campaign();
        expect(lagging.isLeader()).toBe(true);
        await lagging.resign();
        expect((await store.get(`${p}leader`))?.value).toBe('b');
        expect(b.isLeader()).toBe(true);
        await b.resign();
      });

      it('hands leadership over promptly when the leader resigns, and observers see each leader', async () => {
        const seen: (string | undefined)[] = [];
        const a = new LeaderElection({
          store,
          key: `${p}leader`,
          candidateId: 'a',
          ttlSeconds: 5,
        });
        const b = new LeaderElection({
          store,
          key: `${p}leader`,
          candidateId: 'b',
          ttlSeconds: 5,
        });
        const observing = await a.observe((leader) => seen.push(leader));
        await a.campaign();
        const bElected = b.campaign();
        await settle(100);
        expect(b.isLeader()).toBe(false);
        const resignedAt = Date.now();
        await a.resign();
        await bElected;
        expect(Date.now() - resignedAt).toBeLessThan(1000);
        await until(() => seen.includes('b'));
        expect(seen.filter((x) => x !== undefined)).toEqual(['a', 'b']);
        await observing.cancel();
        await b.resign();
      });
    });

    describe('prefix informer', () => {
      it('hands over a snapshot, then every later change exactly once and in revision order', async () => {
        const put = (k: string, v: string) =>
          store.txn({
            compare: [],
            success: [{ type: 'put', key: `${p}${k}`, value: v }],
          });
        await put('a', '1');
        const snapshots: KeyValue[][] = [];
        const batches: WatchBatch[] = [];
        const informer = new PrefixInformer(
          store,
          p,
          {
            onSnapshot: (kvs) => void snapshots.push(kvs),
            onBatch: (b) => void batches.push(b),
          },
          { name: 'test' },
        );
        await informer.start();
        const r1 = await put('b', '2');
        const r2 = await store.txn({
          compare: [],
          success: [{ type: 'delete', key: `${p}a` }],
        });
        await until(() => batches.length === 2);
        await informer.stop();
        expect(snapshots.map((kvs) => kvs.map((kv) => kv.key))).toEqual([
          [`${p}a`],
        ]);
        expect(batches.map((b) => b.revision)).toEqual([
          r1.revision,
          r2.revision,
        ]);
        expect(informer.revision).toBe(r2.revision);
      });

      it('re-lists when its start revision was compacted, and counts it', async () => {
        const put = (k: string, v: string) =>
          store.txn({
            compare: [],
            success: [{ type: 'put', key: `${p}${k}`, value: v }],
          });
        const old = await put('x', '1');
        await put('x', '2');
        const latest = await put('y', '3');
        await store.compact(latest.revision);
        const snapshots: { keys: string[]; revision: number }[] = [];
        const warnings: string[] = [];
        const observer = new StoreObserver({
          log: () => undefined,
          warn: (m) => warnings.push(m),
          error: () => undefined,
        });
        const informer = new PrefixInformer(
          store,
          p,
          {
            onSnapshot: (kvs, revision) =>
              void snapshots.push({
                keys: kvs.map((kv) => `${kv.key}=${kv.value}`),
                revision,
              }),
            onBatch: () => undefined,
          },
          {
            name: 'cursor-consumer',
            observer,
            afterRevision: old.revision - 1,
          },
        );
        await informer.start();
        await until(() => snapshots.length === 1);
        expect(snapshots[0].keys).toEqual([`${p}x=2`, `${p}y=3`]);
        expect(warnings.join('\n')).toMatch(/cursor-consumer.*re-listing/);
        const after = await put('z', '4');
        await until(() => informer.revision === after.revision);
        await informer.stop();
      });
    });

    describe('watch cache', () => {
      const put = (key: string, value: string) =>
        store.txn({ compare: [], success: [{ type: 'put', key, value }] });
      const colour = (c: string) => JSON.stringify({ colour: c });
      const colours = (items: Iterable<Item>) =>
        [...items].map((i) => i.id).sort();

      it('reads its own writes: a put and a delete acknowledged before the read are in it, with indexes', async () => {
        await put(`${p}a/state`, colour('red'));
        const cache = itemCache(store, p);
        await cache.start();
        try {
          const created = await put(`${p}b/state`, colour('red'));
          let view = await cache.read();
          expect(view.revision).toBeGreaterThanOrEqual(created.revision);
          expect(view.get('b')).toEqual({
            id: 'b',
            colour: 'red',
            revision: created.revision,
          });
          expect(colours(view.byIndex('colour', 'red'))).toEqual(['a', 'b']);

          await put(`${p}a/state`, colour('blue'));
          await store.txn({
            compare: [],
            success: [{ type: 'delete', key: `${p}b/state` }],
          });
          view = await cache.read();
          expect(view.get('b')).toBeUndefined();
          expect(view.size).toBe(1);
          expect(colours(view.byIndex('colour', 'red'))).toEqual([]);
          expect(colours(view.byIndex('colour', 'blue'))).toEqual(['a']);
        } finally {
          await cache.stop();
        }
      });

      it('answers at once when the store moved on only outside its prefix', async () => {
        await put(`${p}a/state`, colour('red'));
        const cache = itemCache(store, p);
        await cache.start();
        try {
          const elsewhere = await put(`${p.slice(0, -1)}-other/x`, '1');
          const view = await cache.read();
          expect(view.revision).toBeGreaterThanOrEqual(elsewhere.revision);
          expect(colours(view.all())).toEqual(['a']);
        } finally {
          await cache.stop();
        }
      });

      it('keeps what decode makes of a key, not the key: items from the decoded parts, skipped keys still counted', async () => {
        await put(`${p}a/state`, colour('red'));
        await put(`${p}a/note`, 'not a record');
        const decoded: string[] = [];
        const cache = new WatchCache<Item, Item>(store, {
          name: 'decoded-items',
          prefix: p,
          itemIdOf: (key) => key.slice(p.length).split('/')[0] || undefined,
          decode: (kv) => {
            const [id, part] = kv.key.slice(p.length).split('/');
            if (part !== 'state') return undefined;
            decoded.push(kv.key);
            return {
              id,
              colour: (JSON.parse(kv.value) as { colour: string }).colour,
              revision: kv.modRevision,
            };
          },
          build: (_id, parts) => parts[0],
          indexes: { colour: (item) => item.colour },
          freshnessTimeoutMs: 3000,
        });
        await cache.start();
        try {
          // Current without an event to wait for: the skipped key counts as a key of the prefix.
          const elsewhere = await put(`${p.slice(0, -1)}-other/x`, '1');
          let view = await cache.read();
          expect(view.revision).toBeGreaterThanOrEqual(elsewhere.revision);
          expect(view.get('a')).toMatchObject({ id: 'a', colour: 'red' });

          const blue = await put(`${p}a/state`, colour('blue'));
          await put(`${p}a/note`, 'still not a record');
          view = await cache.read();
          expect(view.get('a')).toEqual({
            id: 'a',
            colour: 'blue',
            revision: blue.revision,
          });
          expect(colours(view.byIndex('colour', 'blue'))).toEqual(['a']);
          expect(decoded.every((key) => key.endsWith('/state'))).toBe(true);

          await store.txn({
            compare: [],
            success: [{ type: 'delete', key: `${p}a/state` }],
          });
          view = await cache.read();
          expect(view.get('a')).toBeUndefined();
          expect(colours(view.byIndex('colour', 'blue'))).toEqual([]);
        } finally {
          await cache.stop();
        }
      });

      it('a cache that falls behind makes a read wait until it has seen the write', async () => {
        await put(`${p}a/state`, colour('red'));
        const held = withHeldWatches(store);
        const cache = itemCache(held.store, p);
        await cache.start();
        try {
          await put(`${p}b/state`, colour('green'));
          let answered = false;
          const reading = cache.read().then((view) => {
            answered = true;
            return view;
          });
          await settle(200);
          expect(answered).toBe(false);
          held.open();
          const view = await reading;
          expect(view.get('b')?.colour).toBe('green');
        } finally {
          held.open();
          await cache.stop();
        }
      });

      it('shares one store-revision call among concurrent reads, never one that started before a read’s write', async () => {
        await put(`${p}a/state`, colour('red'));
        let calls = 0;
        let release!: () => void;
        let held: Promise<void> | undefined = new Promise<void>(
          (r) => (release = r),
        );
        const counted = new Proxy(store, {
          get(target, prop, receiver) {
            if (prop === 'revision')
              return async () => {
                calls++;
                const revision = await target.revision();
                // The first answer is held back: it was read before the write below.
                if (held) {
                  const gate = held;
                  held = undefined;
                  await gate;
                }
                return revision;
              };
            const value = Reflect.get(target, prop, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
        const cache = itemCache(counted, p);
        await cache.start();
        try {
          const early = cache.read();
          await settle(20);
          await put(`${p}b/state`, colour('green'));
          const late = Array.from({ length: 20 }, () => cache.read());
          release();
          await early;
          for (const view of await Promise.all(late))
            expect(view.get('b')?.colour).toBe('green');
          expect(calls).toBe(2);
        } finally {
          release();
          await cache.stop();
        }
      });

      it('answers a read once its watch delivers, when the store moved on outside the prefix after that write', async () => {
        await put(`${p}a/state`, colour('red'));
        const held = withHeldWatches(store);
        const cache = itemCache(held.store, p);
        await cache.start();
        try {
          // A write under the prefix the watch holds back, then one elsewhere: the newest.
          await put(`${p}b/state`, colour('green'));
          await put(`/elsewhere/${p}x`, '1');
          const reading = cache.read();
          await settle(100);
          held.open();
          // Proved by a status asked after the watch delivered b (the one asked before could not),
          // not left waiting for a watch event under the prefix that will never come.
          const view = await reading;
          expect(view.get('b')?.colour).toBe('green');
        } finally {
          held.open();
          await cache.stop();
        }
      });

      it('shares one prefix-status call among reads waiting for the watch, and answers them when the watch arrives first', async () => {
        await put(`${p}a/state`, colour('red'));
        let statusCalls = 0;
        let releaseStatus!: () => void;
        const statusHeld = new Promise<void>((r) => (releaseStatus = r));
        const held = withHeldWatches(store);
        const counted = new Proxy(held.store, {
          get(target, prop, receiver) {
            if (prop === 'prefixStatus')
              return async (prefix: string, after: number) => {
                statusCalls++;
                const status = await target.prefixStatus(prefix, after);
                await statusHeld;
                return status;
              };
            const value = Reflect.get(target, prop, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
        const cache = itemCache(counted, p);
        await cache.start();
        try {
          await put(`${p}b/state`, colour('green'));
          const reads = Array.from({ length: 20 }, () => cache.read());
          await settle(100);
          // The status is held: the watch, once it delivers, answers every read.
          held.open();
          for (const view of await Promise.all(reads))
            expect(view.get('b')?.colour).toBe('green');
          expect(statusCalls).toBe(1);
        } finally {
          held.open();
          releaseStatus();
          await cache.stop();
        }
      });

      it("applies its writer's own commit at once, and never goes back to an older event for it", async () => {
        await put(`${p}a/state`, colour('red'));
        const held = withHeldWatches(store);
        const cache = itemCache(held.store, p);
        await cache.start();
        const seen: string[] = [];
        cache.subscribe((changes, source) => {
          for (const c of changes)
            seen.push(`${source}:${c.id}:${c.after?.colour ?? '-'}`);
        });
        try {
          // Someone else's write (held back from the watch), then our own commit over it.
          await put(`${p}a/state`, colour('green'));
          const ours = await put(`${p}a/state`, colour('blue'));
          const operations = [
            {
              type: 'put' as const,
              key: `${p}a/state`,
              value: colour('blue'),
            },
            { type: 'put' as const, key: `/elsewhere/x`, value: '1' },
          ];
          cache.applyCommitted({ revision: ours.revision, operations });
          expect(cache.peek().get('a')).toEqual({
            id: 'a',
            colour: 'blue',
            revision: ours.revision,
          });
          expect(seen).toEqual(['local:a:blue']);
          // Our delete of b, and an older put of b still on its way.
          await put(`${p}b/state`, colour('black'));
          const gone = await store.txn({
            compare: [],
            success: [{ type: 'delete', key: `${p}b/state` }],
          });
          cache.applyCommitted({
            revision: gone.revision,
            operations: [{ type: 'delete', key: `${p}b/state` }],
          });
          held.open();
          const view = await cache.read();
          expect(view.get('a')?.colour).toBe('blue');
          expect(view.get('a')?.revision).toBe(ours.revision);
          expect(view.get('b')).toBeUndefined();
          // The older events changed nothing, and the echoes of our commits were no news.
          expect(seen).toEqual(['local:a:blue']);
          // A later write by someone else is news again.
          await put(`${p}a/state`, colour('white'));
          expect((await cache.read()).get('a')?.colour).toBe('white');
          expect(seen).toEqual(['local:a:blue', 'watch:a:white']);
        } finally {
          held.open();
          await cache.stop();
        }
      });

      it('a list older than its own commit keeps the commit', async () => {
        await put(`${p}a/state`, colour('red'));
        let opened!: () => void;
        const gate = new Promise<void>((resolve) => (opened = resolve));
        let listed = false;
        const slowList = new Proxy(store, {
          get(target, prop, receiver) {
            // The cache lists page by page (scan): its list ends only after the commit.
            if (prop === 'scan')
              return async (...args: Parameters<StateStore['scan']>) => {
                const revision = await target.scan(...args);
                listed = true;
                await gate;
                return revision;
              };
            const value = Reflect.get(target, prop, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
        const cache = itemCache(slowList, p);
        const starting = cache.start();
        try {
          await until(() => listed, 3000);
          const ours = await put(`${p}a/state`, colour('blue'));
          cache.applyCommitted({
            revision: ours.revision,
            operations: [
              { type: 'put', key: `${p}a/state`, value: colour('blue') },
            ],
          });
          opened();
          await starting;
          expect(cache.peek().get('a')?.colour).toBe('blue');
          expect((await cache.read()).get('a')?.revision).toBe(ours.revision);
        } finally {
          opened();
          await starting.catch(() => undefined);
          await cache.stop();
        }
      });

      it('lists page by page, and a list that failed part-way keeps nothing of it', async () => {
        for (const id of ['a', 'b', 'c'])
          await put(`${p}${id}/state`, colour('red'));
        let scans = 0;
        // One key per page; the first list fails after its first page.
        const paged = new Proxy(store, {
          get(target, prop, receiver) {
            if (prop === 'scan')
              return async (
                ...[prefix, onPage]: Parameters<StateStore['scan']>
              ) => {
                const first = scans++ === 0;
                let pages = 0;
                return target.scan(
                  prefix,
                  async (kvs) => {
                    if (first && pages === 1)
                      throw new Error('connection lost');
                    pages++;
                    await onPage(kvs);
                  },
                  { pageSize: 1 },
                );
              };
            const value = Reflect.get(target, prop, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
        const cache = itemCache(paged, p, 'paged-items');
        try {
          await expect(cache.start()).rejects.toThrow('connection lost');
          expect(cache.peek().size).toBe(0);
          await put(`${p}a/state`, colour('blue'));
          await store.txn({
            compare: [],
            success: [{ type: 'delete', key: `${p}c/state` }],
          });
          await cache.start();
          const view = await cache.read();
          expect(colours(view.all())).toEqual(['a', 'b']);
          expect(view.get('a')?.colour).toBe('blue');
          expect(scans).toBe(2);
        } finally {
          await cache.stop();
        }
      });

      it('re-lists when the history it must watch from was compacted under it', async () => {
        await put(`${p}a/state`, colour('red'));
        const late = withLateFirstWatch(store);
        const cache = itemCache(late.store, p, 'compacted-items');
        const starting = cache.start();
        await settle(50);
        await put(`${p}a/state`, colour('blue'));
        await store.txn({
          compare: [],
          success: [{ type: 'delete', key: `${p}a/state` }],
        });
        const last = await put(`${p}c/state`, colour('black'));
        await store.compact(last.revision);
        late.open();
        await starting;
        try {
          const view = await cache.read();
          expect(view.revision).toBeGreaterThanOrEqual(last.revision);
          expect(colours(view.all())).toEqual(['c']);
          expect(view.get('c')?.colour).toBe('black');
        } finally {
          await cache.stop();
        }
      });
    });
  });
}
