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
  });
}
