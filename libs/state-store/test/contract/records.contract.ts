import { randomBytes } from 'node:crypto';
import { Conflict, scheduleInstance } from '@lcm/domain';
import { InstanceStore, KeyLayout, LeaderElection, NotLeaderError, StateStore, StoreObserver, StoreUnavailableError, WorkerStore } from '../../src';
import { ctx, envelope, newInstance, newRunningWorker } from '../fixtures';

export interface RecordsSubject {
  store: StateStore;
  cleanup(): Promise<void>;
}

/** Typed instance and worker stores over any driver: transitions, events and fences in one transaction. */
export function describeRecordStoresContract(driver: string, subject: () => Promise<RecordsSubject>): void {
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
      return (await store.list(keys.eventsPrefix)).kvs.map((kv) => JSON.parse(kv.value) as { id: string; type: string });
    }

    async function aRunningWorker(id = 'w1') {
      const { created, running } = newRunningWorker(id);
      await workers.commit(created, { worker: 'absent' }, { events: envelope(created.events) });
      const stored = await workers.require(id);
      await workers.commit(running, { worker: stored.worker.revision }, { events: [] });
      return workers.require(id);
    }

    it('writes a new record and its events in the same revision', async () => {
      const created = newInstance('i1');
      const { revision } = await instances.commit(created, { instance: 'absent' }, { events: envelope(created.events) });
      const read = await instances.require('i1');
      expect(read.value).toEqual(created.instance);
      expect(read.revision).toBe(revision);
      const events = (await store.list(keys.eventsPrefix)).kvs;
      expect(events.map((kv) => kv.modRevision)).toEqual([revision]);
      expect(events.map((kv) => JSON.parse(kv.value).type)).toEqual(['lcm.lablet.instance.pending']);
    });

    it('rejects a transition computed from a stale read with Conflict, writing nothing and no event', async () => {
      const created = newInstance('i1');
      await instances.commit(created, { instance: 'absent' }, { events: envelope(created.events) });
      const worker = await aRunningWorker();
      const read = await instances.require('i1');
      const change = scheduleInstance(read.value, { worker: worker.worker.value, capacity: worker.capacity.value, ports: worker.ports.value }, ctx('lcm/scheduler'));
      // Someone else changes the instance first.
      await store.txn({ compare: [], success: [{ type: 'put', key: keys.instance('i1'), value: JSON.stringify({ ...read.value, pendingReason: 'touched' }) }] });
      // Everything under this test's prefix (the server's head revision also moves with suites running beside it).
      const snapshot = async () => (await store.list(keys.prefix)).kvs.map((kv) => `${kv.key}@${kv.modRevision}`).sort();
      const before = await snapshot();
      await expect(instances.commit(change, { instance: read.revision, capacity: worker.capacity.revision, ports: worker.ports.revision }, { events: envelope(change.events) })).rejects.toBeInstanceOf(Conflict);
      expect(await snapshot()).toEqual(before);
      expect((await outbox()).map((e) => e.type)).not.toContain('lcm.lablet.instance.scheduled');
    });

    it('commits a placement atomically: instance, /worker key, capacity, ports and event', async () => {
      const created = newInstance('i1');
      await instances.commit(created, { instance: 'absent' }, { events: envelope(created.events) });
      const worker = await aRunningWorker();
      const read = await instances.require('i1');
      const change = scheduleInstance(read.value, { worker: worker.worker.value, capacity: worker.capacity.value, ports: worker.ports.value }, ctx('lcm/scheduler'));
      const { revision } = await instances.commit(
        change,
        { instance: read.revision, capacity: worker.capacity.revision, ports: worker.ports.revision, workerState: worker.worker.revision },
        { events: envelope(change.events, 'lcm/scheduler') },
      );
      const after = await workers.require('w1');
      expect((await instances.require('i1')).value.state).toBe('scheduled');
      expect((await store.get(keys.instance('i1', 'worker')))?.value).toBe('"w1"');
      expect(after.capacity.revision).toBe(revision);
      expect(after.ports.value['i1'].ports).toEqual({ serial_1: 2000 });
      expect((await outbox()).map((e) => e.type)).toContain('lcm.lablet.instance.scheduled');
    });

    it('refuses a placement when the worker changed since it was read (e.g. began draining)', async () => {
      const created = newInstance('i1');
      await instances.commit(created, { instance: 'absent' }, { events: [] });
      const worker = await aRunningWorker();
      const read = await instances.require('i1');
      const change = scheduleInstance(read.value, { worker: worker.worker.value, capacity: worker.capacity.value, ports: worker.ports.value }, ctx());
      await store.txn({ compare: [], success: [{ type: 'put', key: keys.worker('w1'), value: JSON.stringify({ ...worker.worker.value, cordoned: true }) }] });
      await expect(
        instances.commit(change, { instance: read.revision, capacity: worker.capacity.revision, ports: worker.ports.revision, workerState: worker.worker.revision }, { events: [] }),
      ).rejects.toBeInstanceOf(Conflict);
      expect((await instances.require('i1')).value.state).toBe('pending');
    });

    it('rejects a deposed leader’s commit with NotLeaderError, and accepts the current leader’s', async () => {
      const election = new LeaderElection({ store, key: keys.leader('scheduler'), candidateId: 'old', ttlSeconds: 5 });
      const oldFence = await election.campaign();
      await election.resign();
      const successor = new LeaderElection({ store, key: keys.leader('scheduler'), candidateId: 'new', ttlSeconds: 5 });
      const newFence = await successor.campaign();

      const created = newInstance('i1');
      await expect(instances.commit(created, { instance: 'absent' }, { events: envelope(created.events), fence: oldFence })).rejects.toBeInstanceOf(NotLeaderError);
      expect(await instances.get('i1')).toBeUndefined();
      expect(await outbox()).toEqual([]);
      await instances.commit(created, { instance: 'absent' }, { events: envelope(created.events), fence: newFence });
      expect(await instances.get('i1')).toBeDefined();
      await successor.resign();
    });

    it('writes a change and its event together or not at all, even when the answer to the first attempt is lost', async () => {
      const created = newInstance('i1');
      // Fault before the transaction reaches the store: nothing at all.
      const failing = new InstanceStore(new Proxy(store, { get: (t, p) => (p === 'txn' ? () => Promise.reject(new StoreUnavailableError('injected')) : Reflect.get(t, p)) }), keys);
      await expect(failing.commit(created, { instance: 'absent' }, { events: envelope(created.events) })).rejects.toThrow('injected');
      expect(await instances.get('i1')).toBeUndefined();
      expect(await outbox()).toEqual([]);

      // Fault after it applied (reply lost): the retry of the same change conflicts, and there is still one event.
      const replyLost = new InstanceStore(
        new Proxy(store, { get: (t, p) => (p === 'txn' ? async (req: Parameters<StateStore['txn']>[0]) => { await t.txn(req); throw new StoreUnavailableError('reply lost'); } : Reflect.get(t, p)) }),
        keys,
      );
      await expect(replyLost.commit(created, { instance: 'absent' }, { events: envelope(created.events) })).rejects.toThrow('reply lost');
      await expect(instances.commit(created, { instance: 'absent' }, { events: envelope(created.events) })).rejects.toBeInstanceOf(Conflict);
      expect((await outbox()).map((e) => e.id)).toEqual([created.events[0].id]);
    });

    it('skips and counts a corrupt or unknown record instead of failing the whole read', async () => {
      const created = newInstance('good');
      await instances.commit(created, { instance: 'absent' }, { events: [] });
      await store.txn({ compare: [], success: [
        { type: 'put', key: keys.instance('garbage'), value: '{not json' },
        { type: 'put', key: keys.instance('future'), value: JSON.stringify({ ...created.instance, id: 'future', schemaVersion: 99 }) },
      ] });
      const problems: string[] = [];
      const observed = new InstanceStore(store, keys, new StoreObserver({ log: () => undefined, warn: () => undefined, error: (m) => problems.push(m) }));
      const listed = await observed.list();
      expect(listed.items.map((i) => i.value.id)).toEqual(['good']);
      expect(problems).toHaveLength(2);
      expect(problems.join('\n')).toMatch(/garbage[\s\S]*future|future[\s\S]*garbage/);
    });
  });
}
