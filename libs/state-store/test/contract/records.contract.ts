import { randomBytes } from 'node:crypto';
import { Conflict, scheduleInstance } from '@lcm/domain';
import {
  FencedWriter,
  InstanceStore,
  KeyLayout,
  LeaderElection,
  NotLeaderError,
  StateStore,
  StoreObserver,
  StoreUnavailableError,
  WatchCache,
  WorkerStore,
} from '../../src';
import { ctx, envelope, newInstance, newRunningWorker } from '../fixtures';

export interface RecordsSubject {
  store: StateStore;
  cleanup(): Promise<void>;
}

/** Typed instance and worker stores over any driver: transitions, events and fences in one transaction. */
export function describeRecordStoresContract(
  driver: string,
  subject: () => Promise<RecordsSubject>,
): void {
  describe(`record stores on the ${driver} driver`, () => {
    let s: RecordsSubject;
    let store: StateStore;
    let keys: KeyLayout;
    let instances: InstanceStore;
    let workers: WorkerStore;

    beforeAll(async () => {
      s = await subject();
      store = s.store;
    });
    afterAll(() => s.cleanup());
    beforeEach(() => {
      keys = new KeyLayout(`/records-${randomBytes(4).toString('hex')}`);
      instances = new InstanceStore(store, keys);
      workers = new WorkerStore(store, keys);
    });

    async function outbox() {
      return (await store.list(keys.eventsPrefix)).kvs.map(
        (kv) => JSON.parse(kv.value) as { id: string; type: string },
      );
    }

    async function aRunningWorker(id = 'w1') {
      const { created, running } = newRunningWorker(id);
      await workers.commit(
        created,
        { worker: 'absent' },
        { events: envelope(created.events) },
      );
      const stored = await workers.require(id);
      await workers.commit(
        running,
        { worker: stored.worker.revision },
        { events: [] },
      );
      return workers.require(id);
    }

    it('writes a new record and its events in the same revision', async () => {
      const created = newInstance('i1');
      const { revision } = await instances.commit(
        created,
        { instance: 'absent' },
        { events: envelope(created.events) },
      );
      const read = await instances.require('i1');
      expect(read.value).toEqual(created.instance);
      expect(read.revision).toBe(revision);
      const events = (await store.list(keys.eventsPrefix)).kvs;
      expect(events.map((kv) => kv.modRevision)).toEqual([revision]);
      expect(events.map((kv) => JSON.parse(kv.value).type)).toEqual([
        'lcm.lablet.instance.pending',
      ]);
    });

    it('rejects a transition computed from a stale read with Conflict, writing nothing and no event', async () => {
      const created = newInstance('i1');
      await instances.commit(
        created,
        { instance: 'absent' },
        { events: envelope(created.events) },
      );
      const worker = await aRunningWorker();
      const read = await instances.require('i1');
      const change = scheduleInstance(
        read.value,
        {
          worker: worker.worker.value,
          capacity: worker.capacity.value,
          ports: worker.ports.value,
        },
        ctx('lcm/scheduler'),
      );
      // Someone else changes the instance first.
      await store.txn({
        compare: [],
        success: [
          {
            type: 'put',
            key: keys.instance('i1'),
            value: JSON.stringify({ ...read.value, pendingReason: 'touched' }),
          },
        ],
      });
      // Everything under this test's prefix (the server's head revision also moves with suites running beside it).
      const snapshot = async () =>
        (await store.list(keys.prefix)).kvs
          .map((kv) => `${kv.key}@${kv.modRevision}`)
          .sort();
      const before = await snapshot();
      await expect(
        instances.commit(
          change,
          {
            instance: read.revision,
            capacity: worker.capacity.revision,
            ports: worker.ports.revision,
          },
          { events: envelope(change.events) },
        ),
      ).rejects.toBeInstanceOf(Conflict);
      expect(await snapshot()).toEqual(before);
      expect((await outbox()).map((e) => e.type)).not.toContain(
        'lcm.lablet.instance.scheduled',
      );
    });

    it('commits a placement atomically: instance, /worker key, capacity, ports and event', async () => {
      const created = newInstance('i1');
      await instances.commit(
        created,
        { instance: 'absent' },
        { events: envelope(created.events) },
      );
      const worker = await aRunningWorker();
      const read = await instances.require('i1');
      const change = scheduleInstance(
        read.value,
        {
          worker: worker.worker.value,
          capacity: worker.capacity.value,
          ports: worker.ports.value,
        },
        ctx('lcm/scheduler'),
      );
      const { revision } = await instances.commit(
        change,
        {
          instance: read.revision,
          capacity: worker.capacity.revision,
          ports: worker.ports.revision,
          workerState: worker.worker.revision,
        },
        { events: envelope(change.events, 'lcm/scheduler') },
      );
      const after = await workers.require('w1');
      expect((await instances.require('i1')).value.state).toBe('scheduled');
      expect((await store.get(keys.instance('i1', 'worker')))?.value).toBe(
        '"w1"',
      );
      expect(after.capacity.revision).toBe(revision);
      expect(after.ports.value['i1'].ports).toEqual({ serial_1: 2000 });
      expect((await outbox()).map((e) => e.type)).toContain(
        'lcm.lablet.instance.scheduled',
      );
    });

    it('cacheOptions: a watch cache of the records by id (an instance from its state key, a worker from its three), keeping only the indexes named', async () => {
      const created = newInstance('i1');
      await instances.commit(created, { instance: 'absent' }, { events: [] });
      const worker = await aRunningWorker();
      const read = await instances.require('i1');
      await instances.commit(
        scheduleInstance(
          read.value,
          {
            worker: worker.worker.value,
            capacity: worker.capacity.value,
            ports: worker.ports.value,
          },
          ctx('lcm/scheduler'),
        ),
        {
          instance: read.revision,
          capacity: worker.capacity.revision,
          ports: worker.ports.revision,
        },
        { events: [] },
      );
      const instanceCache = new WatchCache(
        store,
        instances.cacheOptions('contract-instances', ['workerId']),
      );
      const workerCache = new WatchCache(
        store,
        workers.cacheOptions('contract-workers', ['state']),
      );
      await Promise.all([instanceCache.start(), workerCache.start()]);
      try {
        const instanceView = await instanceCache.read();
        expect(instanceView.size).toBe(1);
        expect(instanceView.get('i1')).toEqual(await instances.require('i1'));
        expect(
          [...instanceView.byIndex('workerId', 'w1')].map((i) => i.value.id),
        ).toEqual(['i1']);
        // An index not asked for is not kept.
        expect(() => instanceView.byIndex('state', 'scheduled')).toThrow(
          /no index state/,
        );
        const workerView = await workerCache.read();
        expect(workerView.get('w1')).toEqual(await workers.require('w1'));
        expect(
          [...workerView.byIndex('state', 'running')].map(
            (w) => w.worker.value.id,
          ),
        ).toEqual(['w1']);
        expect(() => workerView.byIndex('templateName', 'x')).toThrow(
          /no index templateName/,
        );
      } finally {
        await Promise.all([instanceCache.stop(), workerCache.stop()]);
      }
    });

    it('refuses a placement when the worker changed since it was read (e.g. began draining)', async () => {
      const created = newInstance('i1');
      await instances.commit(created, { instance: 'absent' }, { events: [] });
      const worker = await aRunningWorker();
      const read = await instances.require('i1');
      const change = scheduleInstance(
        read.value,
        {
          worker: worker.worker.value,
          capacity: worker.capacity.value,
          ports: worker.ports.value,
        },
        ctx(),
      );
      await store.txn({
        compare: [],
        success: [
          {
            type: 'put',
            key: keys.worker('w1'),
            value: JSON.stringify({ ...worker.worker.value, cordoned: true }),
          },
        ],
      });
      await expect(
        instances.commit(
          change,
          {
            instance: read.revision,
            capacity: worker.capacity.revision,
            ports: worker.ports.revision,
            workerState: worker.worker.revision,
          },
          { events: [] },
        ),
      ).rejects.toBeInstanceOf(Conflict);
      expect((await instances.require('i1')).value.state).toBe('pending');
    });

    /** Two pending instances and the scheduleInstance changes placing both on w1, one after the other (as the scheduler plans them). */
    async function twoPlacements() {
      for (const id of ['i1', 'i2']) {
        const created = newInstance(id);
        await instances.commit(created, { instance: 'absent' }, { events: [] });
      }
      const worker = await aRunningWorker();
      const [r1, r2] = [
        await instances.require('i1'),
        await instances.require('i2'),
      ];
      const first = scheduleInstance(
        r1.value,
        {
          worker: worker.worker.value,
          capacity: worker.capacity.value,
          ports: worker.ports.value,
        },
        ctx('lcm/scheduler'),
      );
      const second = scheduleInstance(
        r2.value,
        {
          worker: worker.worker.value,
          capacity: first.capacity ?? worker.capacity.value,
          ports: first.ports ?? worker.ports.value,
        },
        ctx('lcm/scheduler'),
      );
      const entries = [
        { change: first, expected: r1.revision },
        { change: second, expected: r2.revision },
      ];
      const expected = {
        capacity: worker.capacity.revision,
        ports: worker.ports.revision,
        workerState: worker.worker.revision,
      };
      return { worker, entries, expected, first, second };
    }

    it('commits a batch of placements on one worker in one revision: each instance with its /worker key and event, the worker resources once', async () => {
      const { entries, expected, second } = await twoPlacements();
      const events = envelope(
        [...entries[0].change.events, ...entries[1].change.events],
        'lcm/scheduler',
      );
      const { revision } = await instances.commitBatch(entries, expected, {
        events,
      });
      for (const id of ['i1', 'i2']) {
        const read = await instances.require(id);
        expect(read.value.state).toBe('scheduled');
        expect(read.revision).toBe(revision);
        expect((await store.get(keys.instance(id, 'worker')))?.value).toBe(
          '"w1"',
        );
      }
      const after = await workers.require('w1');
      expect(after.capacity).toEqual({ value: second.capacity, revision });
      expect(after.ports).toEqual({ value: second.ports, revision });
      expect(Object.keys(after.ports.value).sort()).toEqual(['i1', 'i2']);
      const scheduled = (await store.list(keys.eventsPrefix)).kvs.filter(
        (kv) => JSON.parse(kv.value).type === 'lcm.lablet.instance.scheduled',
      );
      expect(scheduled.map((kv) => kv.modRevision)).toEqual([
        revision,
        revision,
      ]);
    });

    it('writes exactly the records of successive single commits (a batch of one is commit)', async () => {
      const { entries, expected } = await twoPlacements();
      const batchKeys = new KeyLayout(
        `/batch-${randomBytes(4).toString('hex')}`,
      );
      const copy = async (layout: KeyLayout) =>
        (await store.list(layout.prefix)).kvs
          .filter((kv) => !kv.key.startsWith(layout.eventsPrefix))
          .map((kv) => [kv.key.slice(layout.prefix.length), kv.value])
          .sort();
      // The same starting records under a second prefix, committed as a batch there.
      for (const [key, value] of await copy(keys))
        await store.txn({
          compare: [],
          success: [{ type: 'put', key: `${batchKeys.prefix}${key}`, value }],
        });
      const batchInstances = new InstanceStore(store, batchKeys);
      const batchWorker = await new WorkerStore(store, batchKeys).require('w1');
      const rebased = await Promise.all(
        entries.map(async ({ change }) => ({
          change,
          expected: (await batchInstances.require(change.instance.id)).revision,
        })),
      );
      await batchInstances.commitBatch(
        rebased,
        {
          capacity: batchWorker.capacity.revision,
          ports: batchWorker.ports.revision,
          workerState: batchWorker.worker.revision,
        },
        { events: [] },
      );
      // One at a time here: each commit compared on what the previous one wrote.
      await instances.commit(
        entries[0].change,
        { instance: entries[0].expected, ...expected },
        { events: [] },
      );
      const between = await workers.require('w1');
      await instances.commit(
        entries[1].change,
        {
          instance: entries[1].expected,
          capacity: between.capacity.revision,
          ports: between.ports.revision,
          workerState: between.worker.revision,
        },
        { events: [] },
      );
      expect(await copy(batchKeys)).toEqual(await copy(keys));
    });

    it('rejects the whole batch with Conflict when one instance or the worker moved since it was read', async () => {
      const { entries, expected } = await twoPlacements();
      const snapshot = async () =>
        (await store.list(keys.prefix)).kvs
          .map((kv) => `${kv.key}@${kv.modRevision}`)
          .sort();
      await store.txn({
        compare: [],
        success: [
          {
            type: 'put',
            key: keys.instance('i2'),
            value: JSON.stringify({
              ...entries[1].change.instance,
              state: 'pending',
              workerId: null,
              pendingReason: 'touched',
            }),
          },
        ],
      });
      const before = await snapshot();
      await expect(
        instances.commitBatch(entries, expected, { events: [] }),
      ).rejects.toBeInstanceOf(Conflict);
      expect(await snapshot()).toEqual(before);
      const fresh = [
        entries[0],
        { ...entries[1], expected: (await instances.require('i2')).revision },
      ];
      await store.txn({
        compare: [],
        success: [
          {
            type: 'put',
            key: keys.worker('w1'),
            value: JSON.stringify({
              ...(await workers.require('w1')).worker.value,
              cordoned: true,
            }),
          },
        ],
      });
      await expect(
        instances.commitBatch(fresh, expected, { events: [] }),
      ).rejects.toBeInstanceOf(Conflict);
      expect((await instances.require('i1')).value.state).toBe('pending');
    });

    it('refuses an empty batch, and one whose changes touch the resources of two workers, writing nothing', async () => {
      await expect(
        instances.commitBatch([], {}, { events: [] }),
      ).rejects.toThrow('at least one change');
      const { entries, expected } = await twoPlacements();
      const elsewhere = {
        ...entries[1],
        change: {
          ...entries[1].change,
          instance: { ...entries[1].change.instance, workerId: 'w2' },
        },
      };
      await expect(
        instances.commitBatch([entries[0], elsewhere], expected, {
          events: [],
        }),
      ).rejects.toThrow('one worker');
      expect((await instances.require('i1')).value.state).toBe('pending');
    });

    it('FencedWriter: commits through the record stores with its source’s events and its fence; a deposed writer writes nothing', async () => {
      const election = new LeaderElection({
        store,
        key: keys.leader('scheduler'),
        candidateId: 'old',
        ttlSeconds: 5,
      });
      const oldFence = await election.campaign();
      const writer = new FencedWriter(
        { instances, workers },
        (events) => envelope([...events], 'lcm/scheduler'),
        oldFence,
      );
      const { entries, expected } = await twoPlacements();
      await writer.instances(entries, expected);
      expect(
        (await outbox())
          .filter((e) => e.type === 'lcm.lablet.instance.scheduled')
          .map((e) => (e as { source?: string }).source),
      ).toEqual(['lcm/scheduler', 'lcm/scheduler']);
      await election.resign();
      const successor = new LeaderElection({
        store,
        key: keys.leader('scheduler'),
        candidateId: 'new',
        ttlSeconds: 5,
      });
      await successor.campaign();
      const created = newInstance('i3');
      await expect(
        writer.instance(created, { instance: 'absent' }),
      ).rejects.toBeInstanceOf(NotLeaderError);
      expect(await instances.get('i3')).toBeUndefined();
      await successor.resign();
    });

    it('FencedWriter: writes workers and removes records under its fence; a deposed writer removes nothing', async () => {
      const election = new LeaderElection({
        store,
        key: keys.leader('controller'),
        candidateId: 'old',
        ttlSeconds: 5,
      });
      const writer = new FencedWriter(
        { instances, workers },
        (events) => envelope([...events], 'lcm/controller'),
        await election.campaign(),
      );
      const { created, running } = newRunningWorker('w9');
      await writer.worker(created, { worker: 'absent' });
      const stored = await workers.require('w9');
      await writer.worker(running, { worker: stored.worker.revision });
      expect((await workers.require('w9')).worker.value.state).toBe('running');
      const written = await outbox();
      expect(written.map((e) => e.id).sort()).toEqual(
        [...created.events, ...running.events].map((e) => e.id).sort(),
      );
      expect(
        new Set(written.map((e) => (e as { source?: string }).source)),
      ).toEqual(new Set(['lcm/controller']));
      const instance = newInstance('i9');
      await writer.instance(instance, { instance: 'absent' });
      const [worker, record] = [
        await workers.require('w9'),
        await instances.require('i9'),
      ];

      await election.resign();
      const successor = new LeaderElection({
        store,
        key: keys.leader('controller'),
        candidateId: 'new',
        ttlSeconds: 5,
      });
      const successorFence = await successor.campaign();
      await expect(
        writer.removeInstance('i9', record.revision),
      ).rejects.toBeInstanceOf(NotLeaderError);
      await expect(
        writer.removeWorker('w9', worker.worker.revision),
      ).rejects.toBeInstanceOf(NotLeaderError);
      expect(await instances.get('i9')).toBeDefined();
      expect(await workers.get('w9')).toBeDefined();

      const current = new FencedWriter(
        { instances, workers },
        (events) => envelope([...events]),
        successorFence,
      );
      await current.removeInstance('i9', record.revision);
      await current.removeWorker('w9', worker.worker.revision);
      expect(await instances.get('i9')).toBeUndefined();
      expect(await workers.get('w9')).toBeUndefined();
      await successor.resign();
    });

    it('rejects a deposed leader’s commit with NotLeaderError, and accepts the current leader’s', async () => {
      const election = new LeaderElection({
        store,
        key: keys.leader('scheduler'),
        candidateId: 'old',
        ttlSeconds: 5,
      });
      const oldFence = await election.campaign();
      await election.resign();
      const successor = new LeaderElection({
        store,
        key: keys.leader('scheduler'),
        candidateId: 'new',
        ttlSeconds: 5,
      });
      const newFence = await successor.campaign();

      const created = newInstance('i1');
      await expect(
        instances.commit(
          created,
          { instance: 'absent' },
          { events: envelope(created.events), fence: oldFence },
        ),
      ).rejects.toBeInstanceOf(NotLeaderError);
      expect(await instances.get('i1')).toBeUndefined();
      expect(await outbox()).toEqual([]);
      await instances.commit(
        created,
        { instance: 'absent' },
        { events: envelope(created.events), fence: newFence },
      );
      expect(await instances.get('i1')).toBeDefined();
      await successor.resign();
    });

    it('writes a change and its event together or not at all, even when the answer to the first attempt is lost', async () => {
      const created = newInstance('i1');
      // Fault before the transaction reaches the store: nothing at all.
      const failing = new InstanceStore(
        new Proxy(store, {
          get: (t, p) =>
            p === 'txn'
              ? () => Promise.reject(new StoreUnavailableError('injected'))
              : Reflect.get(t, p),
        }),
        keys,
      );
      await expect(
        failing.commit(
          created,
          { instance: 'absent' },
          { events: envelope(created.events) },
        ),
      ).rejects.toThrow('injected');
      expect(await instances.get('i1')).toBeUndefined();
      expect(await outbox()).toEqual([]);

      // Fault after it applied (reply lost): the retry of the same change conflicts, and there is still one event.
      const replyLost = new InstanceStore(
        new Proxy(store, {
          get: (t, p) =>
            p === 'txn'
              ? async (req: Parameters<StateStore['txn']>[0]) => {
                  await t.txn(req);
                  throw new StoreUnavailableError('reply lost');
                }
              : Reflect.get(t, p),
        }),
        keys,
      );
      await expect(
        replyLost.commit(
          created,
          { instance: 'absent' },
          { events: envelope(created.events) },
        ),
      ).rejects.toThrow('reply lost');
      await expect(
        instances.commit(
          created,
          { instance: 'absent' },
          { events: envelope(created.events) },
        ),
      ).rejects.toBeInstanceOf(Conflict);
      expect((await outbox()).map((e) => e.id)).toEqual([created.events[0].id]);
    });

    it('skips and counts a corrupt or unknown record instead of failing the whole read', async () => {
      const created = newInstance('good');
      await instances.commit(created, { instance: 'absent' }, { events: [] });
      await store.txn({
        compare: [],
        success: [
          { type: 'put', key: keys.instance('garbage'), value: '{not json' },
          {
            type: 'put',
            key: keys.instance('future'),
            value: JSON.stringify({
              ...created.instance,
              id: 'future',
              schemaVersion: 99,
            }),
          },
        ],
      });
      const problems: string[] = [];
      const observed = new InstanceStore(
        store,
        keys,
        new StoreObserver({
          log: () => undefined,
          warn: () => undefined,
          error: (m) => problems.push(m),
        }),
      );
      const listed = await observed.list();
      expect(listed.items.map((i) => i.value.id)).toEqual(['good']);
      expect(problems).toHaveLength(2);
      expect(problems.join('\n')).toMatch(
        /garbage[\s\S]*future|future[\s\S]*garbage/,
      );
    });
  });
}
