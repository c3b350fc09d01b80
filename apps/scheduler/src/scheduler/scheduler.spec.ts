import { EVENT_TYPES, terminatePendingInstance, usedPorts } from '@lcm/domain';
import { MemoryDocStore } from '@lcm/doc-store';
import type { TemplateView } from '@lcm/scheduling';
import {
  InstanceStore,
  KeyLayout,
  KeyValue,
  MemoryStateStore,
  OutboxEvent,
  WorkerStore,
} from '@lcm/state-store';
import { Registry } from 'prom-client';
import { InstrumentedStore } from '../../test/instrumented-store';
import { settle, until } from '@lcm/testing';
import {
  aSpec,
  aNewWorker,
  ctx,
  makeRunning,
  seedPendingInstance,
  seedRunningWorker,
} from '../../test/scheduler-fixtures';
import {
  repositoryTemplateSource,
  TemplateSource,
} from '../templates/template-poller';
import { Scheduler } from './scheduler';
import {
  DEFAULT_SCHEDULER_SETTINGS,
  SchedulerSettings,
} from './scheduler-settings';

const keys = new KeyLayout('/lcm');

interface Harness {
  memory: MemoryStateStore;
  instances: InstanceStore;
  workers: WorkerStore;
  schedulers: Scheduler[];
  /** A scheduler replica on its own instrumented view of the shared store. */
  replica(
    id: string,
    options?: {
      settings?: Partial<SchedulerSettings>;
      templates?: TemplateSource;
      registry?: Registry;
      clock?: () => Date;
    },
  ): { scheduler: Scheduler; store: InstrumentedStore };
  outbox(type?: string): Promise<OutboxEvent[]>;
}

function harness(): Harness {
  const memory = new MemoryStateStore();
  const schedulers: Scheduler[] = [];
  return {
    memory,
    instances: new InstanceStore(memory, keys),
    workers: new WorkerStore(memory, keys),
    schedulers,
    replica(id, options = {}) {
      const store = new InstrumentedStore(memory);
      const scheduler = new Scheduler({
        store,
        keys,
        templates: options.templates ?? { list: async () => [] },
        registry: options.registry,
        ...(options.clock ? { clock: options.clock } : {}),
        // A reconcile every hour: these tests prove that changes alone drive the scheduler.
        settings: {
          ...DEFAULT_SCHEDULER_SETTINGS,
          replicaId: id,
          reconcileIntervalSeconds: 3600,
          ...options.settings,
        },
      });
      schedulers.push(scheduler);
      return { scheduler, store };
    },
    async outbox(type) {
      const { kvs } = await memory.list(keys.eventsPrefix);
      return kvs
        .map((kv) => JSON.parse(kv.value) as OutboxEvent)
        .filter((e) => type === undefined || e.type === type);
    },
  };
}

/** A standby has campaigned, lost, and watches the leader key. */
async function standingBy(scheduler: Scheduler): Promise<void> {
  await until(
    async () => (await scheduler.currentLeader()) !== undefined,
    3000,
    'a leader',
  );
  await settle(20);
}

async function leading(scheduler: Scheduler): Promise<void> {
  scheduler.start();
  await scheduler.whenLeading();
  await scheduler.whenIdle();
}

describe('Scheduler (memory state store)', () => {
  let h: Harness;

  beforeEach(() => {
    h = harness();
  });

  afterEach(async () => {
    for (const scheduler of h.schedulers) await scheduler.stop();
    await h.memory.close();
  });

  it('places pending instances onto running workers in queue order: earliest timeslot, then oldest', async () => {
    // Room for two instances of 4 cores; three wait.
    await seedRunningWorker(h.workers, 'w1', { capacity: { cpuCores: 8 } });
    const t0 = new Date();
    await seedPendingInstance(h.instances, 'i-later-slot', {
      now: t0,
      startInMinutes: 30,
    });
    await seedPendingInstance(h.instances, 'i-first', {
      now: new Date(t0.getTime() + 1000),
    });
    await seedPendingInstance(h.instances, 'i-second', {
      now: new Date(t0.getTime() + 2000),
    });

    const { scheduler } = h.replica('a');
    await leading(scheduler);

    const byId = Object.fromEntries(
      (await h.instances.list()).items.map((i) => [i.value.id, i.value]),
    );
    expect(byId['i-first']).toMatchObject({
      state: 'scheduled',
      workerId: 'w1',
      pendingReason: null,
    });
    expect(byId['i-second']).toMatchObject({
      state: 'scheduled',
      workerId: 'w1',
    });
    expect(byId['i-later-slot'].state).toBe('pending');
    expect(byId['i-later-slot'].pendingReason).toMatch(
      /1 worker: insufficient cpu/,
    );

    const scheduled = await h.outbox(EVENT_TYPES.instanceScheduled);
    expect(scheduled.map((e) => e.subject).sort()).toEqual([
      'i-first',
      'i-second',
    ]);
    expect(scheduled.every((e) => e.source === 'lcm/scheduler')).toBe(true);
    const worker = await h.workers.require('w1');
    expect(worker.capacity.value.allocated.cpuCores).toBe(8);
    expect(Object.keys(worker.ports.value).sort()).toEqual([
      'i-first',
      'i-second',
    ]);
  });

  describe('booking windows', () => {
    const minutes = (from: Date, n: number) =>
      new Date(from.getTime() + n * 60_000);
    /** A document store holding one template: personal-standard, 20 minutes to start. */
    async function withPersonalStandard(): Promise<MemoryDocStore> {
      const docs = await MemoryDocStore.open();
      await docs.templates.create({
        instanceType: 'm5zn.metal',
        amiPattern: 'CML-2.9.*',
        region: 'local',
        startupTimeMinutes: 20,
        portRange: { start: 2000, end: 9999 },
        name: 'personal-standard',
        licenseType: 'PERSONAL',
        maxNodes: 20,
        capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
      });
      return docs;
    }

    it('places a booking only once its window opens (global lead time without a template): before, it holds nothing and says when it will be placed', async () => {
      await seedRunningWorker(h.workers, 'w1');
      const t0 = new Date();
      let now = t0;
      await seedPendingInstance(h.instances, 'i-booked', {
        now: t0,
        startInMinutes: 120,
      });
      const { scheduler } = h.replica('a', {
        clock: () => now,
        settings: { leadTimeMinutes: 50 },
      });
      await leading(scheduler);
      const before = (await h.instances.require('i-booked')).value;
      expect(before).toMatchObject({
        state: 'pending',
        pendingReason: `booked for ${minutes(t0, 120).toISOString()}: placed from ${minutes(t0, 70).toISOString()} (lead time 50 min)`,
      });
      const worker = await h.workers.require('w1');
      expect(worker.capacity.value.allocated.cpuCores).toBe(0);
      expect(worker.ports.value).toEqual({});

      now = minutes(t0, 69);
      scheduler.reconcileNow();
      await scheduler.whenIdle();
      expect((await h.instances.require('i-booked')).value.state).toBe(
        'pending',
      );
      now = minutes(t0, 70);
      scheduler.reconcileNow();
      await until(
        async () =>
          (await h.instances.require('i-booked')).value.state === 'scheduled',
        3000,
        'placed when the window opens',
      );
    });

    it("opens the window its template's start-up plus the instantiation allowance before the slot", async () => {
      const docs = await withPersonalStandard();
      try {
        const t0 = new Date();
        await seedPendingInstance(h.instances, 'i-booked', {
          now: t0,
          startInMinutes: 240,
          spec: aSpec({ licenseAffinity: ['PERSONAL'] }),
        });
        const { scheduler } = h.replica('a', {
          clock: () => t0,
          templates: repositoryTemplateSource(docs.templates),
          settings: { instantiationAllowanceMinutes: 10 },
        });
        await leading(scheduler);
        expect(
          (await h.instances.require('i-booked')).value.pendingReason,
        ).toBe(
          `booked for ${minutes(t0, 240).toISOString()}: placed from ${minutes(t0, 210).toISOString()} (personal-standard start-up 20 min + instantiation allowance 10 min)`,
        );
      } finally {
        await docs.close();
      }
    });
    it.each([
      {
        what: 'the instantiation allowance (no worker must be started), and still holds nothing before',
        declared: undefined,
        allowance: 10,
        // Before the window: nothing placed, no port held.
        early: 211,
      },
      {
        what: "the allowance the instance's definition declares, not the deployment's",
        declared: 4,
        allowance: 4,
        // The deployment's 10 min would have placed it here.
        early: 230,
      },
    ])(
      'waits only $what while a running worker has room',
      async ({ declared, allowance, early }) => {
        const docs = await withPersonalStandard();
        try {
          await seedRunningWorker(h.workers, 'w1', {
            template: 'personal-standard',
            licenseType: 'PERSONAL',
          });
          const t0 = new Date();
          let now = t0;
          await seedPendingInstance(h.instances, 'i-booked', {
            now: t0,
            startInMinutes: 240,
            spec: aSpec({
              licenseAffinity: ['PERSONAL'],
              ...(declared === undefined
                ? {}
                : { instantiationAllowanceMinutes: declared }),
            }),
          });
          const { scheduler } = h.replica('a', {
            clock: () => now,
            templates: repositoryTemplateSource(docs.templates),
            settings: { instantiationAllowanceMinutes: 10 },
          });
          await leading(scheduler);
          const opens = 240 - allowance;
          expect(
            (await h.instances.require('i-booked')).value.pendingReason,
          ).toBe(
            `booked for ${minutes(t0, 240).toISOString()}: placed from ${minutes(t0, opens).toISOString()} (a running worker has room: instantiation allowance ${allowance} min)`,
          );
          now = minutes(t0, early);
          scheduler.reconcileNow();
          await scheduler.whenIdle();
          expect((await h.instances.require('i-booked')).value.state).toBe(
            'pending',
          );
          expect((await h.workers.require('w1')).ports.value).toEqual({});
          now = minutes(t0, opens);
          scheduler.reconcileNow();
          await until(
            async () =>
              (await h.instances.require('i-booked')).value.state ===
              'scheduled',
            3000,
            'placed when its window opens',
          );
        } finally {
          await docs.close();
        }
      },
    );
  });

  describe('consolidation', () => {
    /** `units` sixteenths of a 16-core, 64 GB, 400 GB, 16-node, 16-port worker in every dimension. */
    const sixteenths = (units: number) =>
      aSpec({
        cpuCores: units,
        memoryGb: 4 * units,
        storageGb: 25 * units,
        nodeCount: units,
        portCount: units,
      });

    async function sixteenSizedWorkers(count: number): Promise<void> {
      for (let i = 1; i <= count; i++)
        await seedRunningWorker(h.workers, `w${i}`, {
          capacity: {
            cpuCores: 16,
            memoryGb: 64,
            storageGb: 400,
            maxNodes: 16,
          },
          portRange: { start: 3000, end: 3015 },
        });
    }

    /** Two medium labs, then two large ones, in queue order (one at a time, they open 3 workers). */
    async function mediumThenLarge(): Promise<void> {
      const t0 = Date.now();
      for (const [i, units] of [6, 6, 10, 10].entries())
        await seedPendingInstance(h.instances, `i${i}-${units}`, {
          spec: sixteenths(units),
          now: new Date(t0 + i * 1000),
        });
    }

    async function workersUsed(): Promise<Map<string, string[]>> {
      const byWorker = new Map<string, string[]>();
      for (const { value } of (await h.instances.list()).items) {
        expect(value.state).toBe('scheduled');
        byWorker.set(
          value.workerId as string,
          [...(byWorker.get(value.workerId as string) ?? []), value.id].sort(),
        );
      }
      return byWorker;
    }

    it('a pass places 6, 6, 10 and 10 sixteenths of a worker on 2 empty workers (6+10 twice), where one at a time takes 3', async () => {
      await sixteenSizedWorkers(4);
      await mediumThenLarge();
      const registry = new Registry();
      const { scheduler } = h.replica('a', { registry });
      await leading(scheduler);

      const byWorker = await workersUsed();
      expect(byWorker.size).toBe(2);
      expect([...byWorker.values()].sort()).toEqual([
        ['i0-6', 'i2-10'],
        ['i1-6', 'i3-10'],
      ]);
      for (const id of byWorker.keys()) {
        const worker = await h.workers.require(id);
        expect(worker.capacity.value.allocated).toEqual({
          cpuCores: 16,
          memoryGb: 64,
          storageGb: 400,
          maxNodes: 16,
        });
        expect(usedPorts(worker.ports.value).size).toBe(16);
      }
      expect(
        await registry.getSingleMetricAsString(
          'lcm_scheduler_consolidation_workers_saved_total',
        ),
      ).toMatch(/ 1$/m);
    });

    it('with the spread strategy, a pass spreads them instead', async () => {
      await sixteenSizedWorkers(4);
      await mediumThenLarge();
      const { scheduler } = h.replica('a', {
        settings: { strategy: 'spread' },
      });
      await leading(scheduler);
      expect((await workersUsed()).size).toBe(4);
    });
  });

  it('stores the explanation of an instance that fits nowhere: which filters removed which workers', async () => {
    await seedRunningWorker(h.workers, 'w-ent-1', {
      licenseType: 'ENTERPRISE',
      template: 'enterprise-large',
    });
    await seedRunningWorker(h.workers, 'w-ent-2', {
      licenseType: 'ENTERPRISE',
      template: 'enterprise-large',
    });
    await seedRunningWorker(h.workers, 'w-tiny', { capacity: { memoryGb: 4 } });
    await seedPendingInstance(h.instances, 'i1');

    const { scheduler, store } = h.replica('a');
    await leading(scheduler);

    const instance = (await h.instances.require('i1')).value;
    expect(instance.state).toBe('pending');
    expect(instance.pendingReason).toBe(
      'no worker fits (2 workers: license mismatch; 1 worker: worker too small (memory)); no eligible template (no templates defined)',
    );
    expect(await h.outbox()).toEqual([]);

    // Re-evaluating finds the same reason: nothing is written again.
    const writes = store.writes.length;
    scheduler.reconcileNow();
    await scheduler.whenIdle();
    expect(store.writes.length).toBe(writes);
  });

  it('gives every placed instance ports that no other instance on its worker holds', async () => {
    await seedRunningWorker(h.workers, 'w1', {
      capacity: {
        cpuCores: 400,
        memoryGb: 4000,
        storageGb: 4000,
        maxNodes: 400,
      },
    });
    for (let i = 0; i < 60; i++)
      await seedPendingInstance(h.instances, `i${i}`, {
        spec: aSpec({ cpuCores: 1, memoryGb: 1, storageGb: 1, portCount: 3 }),
      });

    const { scheduler } = h.replica('a');
    await leading(scheduler);

    const instances = (await h.instances.list()).items.map((i) => i.value);
    expect(instances.every((i) => i.state === 'scheduled')).toBe(true);
    const ports = instances.flatMap((i) =>
      Object.values(i.allocatedPorts ?? {}),
    );
    expect(ports).toHaveLength(180);
    expect(new Set(ports).size).toBe(180);
    const worker = await h.workers.require('w1');
    expect(usedPorts(worker.ports.value).size).toBe(180);
    for (const instance of instances)
      expect(worker.ports.value[instance.id].ports).toEqual(
        instance.allocatedPorts,
      );
    expect(worker.capacity.value.allocated.cpuCores).toBe(60);
  });

  it('retries an unplaced instance when a worker becomes running, and writes nothing while it waits', async () => {
    const created = aNewWorker('w1');
    await h.workers.commit(created, { worker: 'absent' }, { events: [] });
    await seedPendingInstance(h.instances, 'i1');

    const { scheduler, store } = h.replica('a');
    await leading(scheduler);
    expect((await h.instances.require('i1')).value.pendingReason).toBe(
      'no worker fits (1 worker: worker pending); waiting for starting worker w1',
    );

    // Waiting: no busy loop, no write at all.
    const writes = store.writes.length;
    await settle(300);
    expect(store.writes.length).toBe(writes);

    await makeRunning(h.workers, 'w1');
    await until(
      async () => (await h.instances.require('i1')).value.state === 'scheduled',
      3000,
      'i1 scheduled',
    );
    expect((await h.instances.require('i1')).value.workerId).toBe('w1');
    await scheduler.whenIdle();
    // One transaction: the placement.
    expect(store.writes.length).toBe(writes + 1);
  });

  it('re-evaluates parked instances when capacity is released, not before', async () => {
    await seedRunningWorker(h.workers, 'w1', { capacity: { cpuCores: 4 } });
    await seedPendingInstance(h.instances, 'i1');
    await seedPendingInstance(h.instances, 'i2');
    const { scheduler, store } = h.replica('a');
    await leading(scheduler);
    expect((await h.instances.require('i2')).value.pendingReason).toMatch(
      /insufficient cpu/,
    );
    const writes = store.writes.length;

    // A new instance that fits nowhere does not wake the parked one (nothing freed room).
    await seedPendingInstance(h.instances, 'i3');
    await until(
      async () =>
        /insufficient cpu/.test(
          (await h.instances.require('i3')).value.pendingReason ?? '',
        ),
      3000,
      'i3 explained',
    );
    await scheduler.whenIdle();
    expect(store.writes.length).toBe(writes + 1);

    // The controller releases i1's capacity (as on termination): i2, first in the queue, takes it.
    const worker = await h.workers.require('w1');
    const { i1: _released, ...ports } = worker.ports.value;
    await h.memory.txn({
      compare: [],
      success: [
        {
          type: 'put',
          key: keys.worker('w1', 'capacity'),
          value: JSON.stringify({
            ...worker.capacity.value,
            allocated: { cpuCores: 0, memoryGb: 0, storageGb: 0, maxNodes: 0 },
          }),
        },
        {
          type: 'put',
          key: keys.worker('w1', 'ports'),
          value: JSON.stringify(ports),
        },
      ],
    });
    await until(
      async () => (await h.instances.require('i2')).value.state === 'scheduled',
      3000,
      'i2 scheduled',
    );
    await scheduler.whenIdle();
    expect((await h.instances.require('i3')).value.state).toBe('pending');
  });

  it('when a commit meets a changed record, re-evaluates only the placements it carried, on fresh records', async () => {
    await seedRunningWorker(h.workers, 'w1');
    const registry = new Registry();
    const { scheduler, store } = h.replica('a', { registry });
    await leading(scheduler);

    // Two placements decided and sent together, held back while the api deletes one instance.
    store.hold();
    await seedPendingInstance(h.instances, 'i1');
    await seedPendingInstance(h.instances, 'i2');
    await settle(50);
    const i1 = await h.instances.require('i1');
    await h.instances.commit(
      terminatePendingInstance(i1.value, ctx('user-1')),
      { instance: i1.revision },
      { events: [] },
    );
    store.release();

    await until(
      async () => (await h.instances.require('i2')).value.state === 'scheduled',
      3000,
      'i2 scheduled',
    );
    await scheduler.whenIdle();
    expect((await h.instances.require('i1')).value.state).toBe('terminated');
    const worker = await h.workers.require('w1');
    expect(Object.keys(worker.ports.value)).toEqual(['i2']);
    expect(worker.capacity.value.allocated.cpuCores).toBe(4);
    expect(
      await registry.getSingleMetricAsString(
        'lcm_scheduler_commit_conflicts_total',
      ),
    ).toMatch(/ [1-9]\d*$/m);
    expect(
      (await h.outbox(EVENT_TYPES.instanceScheduled)).map((e) => e.subject),
    ).toEqual(['i2']);
  });

  describe('instances that fit nowhere', () => {
    let docs: MemoryDocStore;
    let templates: TemplateSource;

    beforeEach(async () => {
      docs = await MemoryDocStore.open();
      const base = {
        instanceType: 'm5zn.metal',
        amiPattern: 'CML-2.9.*',
        region: 'local',
        startupTimeMinutes: 20,
        portRange: { start: 2000, end: 9999 },
      };
      await docs.templates.create({
        ...base,
        name: 'personal-standard',
        licenseType: 'PERSONAL',
        maxNodes: 20,
        capacity: { cpuCores: 48, memoryGb: 192, storageGb: 500 },
      });
      await docs.templates.create({
        ...base,
        name: 'enterprise-large',
        licenseType: 'ENTERPRISE',
        maxNodes: 500,
        capacity: { cpuCores: 96, memoryGb: 384, storageGb: 1000 },
      });
      templates = repositoryTemplateSource(docs.templates);
    });

    afterEach(() => docs.close());

    const personal = () => aSpec({ licenseAffinity: ['PERSONAL'] });
    const enterprise = () => aSpec({ licenseAffinity: ['ENTERPRISE'] });

    it("are explained with the template a worker would come from, or the starting worker they wait for, and ask nothing of the outbox: scale-up is the controller's", async () => {
      for (let i = 0; i < 5; i++)
        await seedPendingInstance(h.instances, `p${i}`, { spec: personal() });
      for (let i = 0; i < 3; i++)
        await seedPendingInstance(h.instances, `e${i}`, { spec: enterprise() });

      const { scheduler } = h.replica('a', { templates });
      await leading(scheduler);
      expect((await h.instances.require('p3')).value.pendingReason).toBe(
        'no workers; scale up personal-standard: the only eligible template',
      );
      expect((await h.instances.require('e1')).value.pendingReason).toMatch(
        /scale up enterprise-large/,
      );

      // The controller answers with a worker; while it starts, the instances wait for it.
      await h.workers.commit(
        aNewWorker('w-new'),
        { worker: 'absent' },
        { events: [] },
      );
      await until(
        async () =>
          /waiting for starting worker w-new/.test(
            (await h.instances.require('p0')).value.pendingReason ?? '',
          ),
        3000,
        'p0 waiting for w-new',
      );
      await scheduler.whenIdle();
      expect(await h.outbox(EVENT_TYPES.scalingUpRequested)).toHaveLength(0);
    });
  });

  describe('leadership', () => {
    it('a standby stays idle while another replica leads', async () => {
      await seedRunningWorker(h.workers, 'w1');
      const a = h.replica('a');
      await leading(a.scheduler);
      const b = h.replica('b');
      b.scheduler.start();
      await seedPendingInstance(h.instances, 'i1');
      await until(
        async () =>
          (await h.instances.require('i1')).value.state === 'scheduled',
        3000,
        'i1 scheduled',
      );
      expect(b.scheduler.isLeader()).toBe(false);
      expect(b.store.writes).toEqual([]);
      expect(b.scheduler.status()).toMatchObject({
        replicaId: 'b',
        leader: false,
        queueDepth: 0,
      });
      expect(await b.scheduler.currentLeader()).toBe('a');
    });

    it('a deposed leader stops placing at once; the standby takes over', async () => {
      await seedRunningWorker(h.workers, 'w1');
      const registry = new Registry();
      const a = h.replica('a', { registry });
      await leading(a.scheduler);
      const b = h.replica('b');
      b.scheduler.start();
      await standingBy(b.scheduler);

      // The lease expires (etcd stopped hearing from a): the key goes, and b is elected (a's own
      // new campaign is held back, as if a were still cut off).
      a.store.hold();
      const lease = (await h.memory.get(keys.leader('scheduler')))
        ?.lease as string;
      h.memory.expireLease(lease);
      await b.scheduler.whenLeading();
      a.store.release();
      expect(a.scheduler.isLeader()).toBe(false);
      expect(await registry.getSingleMetricAsString('lcm_leader')).toContain(
        'lcm_leader{service="scheduler"} 0',
      );

      const writesOfA = a.store.writes.length;
      await seedPendingInstance(h.instances, 'i1');
      await until(
        async () =>
          (await h.instances.require('i1')).value.state === 'scheduled',
        3000,
        'i1 scheduled',
      );
      await b.scheduler.whenIdle();
      expect(
        a.store.writes
          .slice(writesOfA)
          .filter((keysWritten) =>
            keysWritten.some((k) => k.startsWith(keys.instancesPrefix)),
          ),
      ).toEqual([]);
    });

    it('a deposed leader cannot commit a placement it had in flight (the fence refuses it)', async () => {
      await seedRunningWorker(h.workers, 'w1');
      const a = h.replica('a');
      await leading(a.scheduler);
      const b = h.replica('b');
      b.scheduler.start();
      await standingBy(b.scheduler);

      // a decides a placement, but its transaction is held back...
      a.store.hold();
      await seedPendingInstance(h.instances, 'i1');
      await settle(50);
      // ...while it is deposed and b places the instance.
      await h.memory.txn({
        compare: [],
        success: [{ type: 'delete', key: keys.leader('scheduler') }],
      });
      await b.scheduler.whenLeading();
      await until(
        async () =>
          (await h.instances.require('i1')).value.state === 'scheduled',
        3000,
        'i1 scheduled',
      );
      a.store.release();
      await settle(50);

      expect(await h.outbox(EVENT_TYPES.instanceScheduled)).toHaveLength(1);
      expect(
        a.store.refused.some((written) =>
          written.includes(keys.instance('i1')),
        ),
      ).toBe(true);
      const worker = await h.workers.require('w1');
      expect(Object.keys(worker.ports.value)).toEqual(['i1']);
      expect(worker.capacity.value.allocated.cpuCores).toBe(4);
      expect(a.scheduler.isLeader()).toBe(false);
    });

    it("a keepalive failure and a re-election in the middle of a pass: the old term's refused commit does not end the new term (no flap, gauge 1)", async () => {
      await seedRunningWorker(h.workers, 'w1');
      const registry = new Registry();
      const a = h.replica('a', { registry });
      await leading(a.scheduler);
      const first = (await h.memory.get(keys.leader('scheduler'))) as KeyValue;
      const keyEvents: string[] = [];
      const watch = await h.memory.watch(
        keys.leader('scheduler'),
        (await h.memory.revision()) + 1,
        {
          onBatch: (batch) =>
            void keyEvents.push(
              ...batch.events.map((e) => `${e.type}@${e.kv.createRevision}`),
            ),
          onCancelled: () => undefined,
        },
      );

      // The first term decides a placement; its commit is held back...
      a.store.hold((request) =>
        request.success.some(
          (op) => op.type === 'put' && op.key.startsWith(keys.instancesPrefix),
        ),
      );
      await seedPendingInstance(h.instances, 'i1');
      await settle(50);
      // ...while its keepalive fails: the lease is lost, the key goes, and the same replica wins a new term.
      h.memory.expireLease(first.lease);
      await until(
        async () =>
          a.scheduler.isLeader() &&
          ((await h.memory.get(keys.leader('scheduler')))?.createRevision ??
            first.createRevision) !== first.createRevision,
        3000,
        'a new term of a',
      );
      const second = (await h.memory.get(keys.leader('scheduler'))) as KeyValue;
      // The old term's commit now runs and is refused by its fence (NotLeaderError in the old term).
      a.store.release();
      await until(
        async () =>
          (await h.instances.require('i1')).value.state === 'scheduled',
        3000,
        'i1 scheduled by the new term',
      );
      await a.scheduler.whenIdle();
      await settle(200);

      expect(
        a.store.refused.some((written) =>
          written.includes(keys.instance('i1')),
        ),
      ).toBe(true);
      expect(
        (await h.memory.get(keys.leader('scheduler')))?.createRevision,
      ).toBe(second.createRevision);
      // One re-election (the lease loss), and no resign of the new term.
      expect(keyEvents).toEqual(['delete@0', `put@${second.createRevision}`]);
      expect(a.scheduler.isLeader()).toBe(true);
      expect(a.scheduler.status()).toMatchObject({ leader: true });
      expect(a.scheduler.knownLeader()).toBe('a');
      expect(await registry.getSingleMetricAsString('lcm_leader')).toContain(
        'lcm_leader{service="scheduler"} 1',
      );
      expect(await h.outbox(EVENT_TYPES.instanceScheduled)).toHaveLength(1);
      await watch.cancel();
    });

    it('reports leadership in lcm_leader and the other scheduler metrics', async () => {
      await seedRunningWorker(h.workers, 'w1');
      await seedPendingInstance(h.instances, 'i1');
      const registry = new Registry();
      const { scheduler } = h.replica('a', { registry });
      await leading(scheduler);
      const text = await registry.metrics();
      expect(text).toContain('lcm_leader{service="scheduler"} 1');
      expect(text).toContain(
        'lcm_scheduling_decisions_total{action="assign"} 1',
      );
      expect(text).toContain('lcm_scheduler_queue_depth 0');
      expect(text).toContain('lcm_scheduling_latency_seconds_count 1');
      expect(text).toMatch(/lcm_scheduler_loop_duration_seconds_count [1-9]/);
    });

    it('with SCHEDULER_ENABLED=false it never campaigns', async () => {
      const { scheduler, store } = h.replica('a', {
        settings: { enabled: false },
      });
      scheduler.start();
      await settle(50);
      expect(await h.memory.get(keys.leader('scheduler'))).toBeUndefined();
      expect(store.writes).toEqual([]);
    });
  });
});

export type { TemplateView };
