import {
  CapacityExceeded,
  Conflict,
  PortExhausted,
  scheduleInstance,
} from '@lcm/domain';
import { describeWithServers, etcdEndpoints, uniqueName } from '@lcm/testing';
import { EtcdStateStore, InstanceStore, KeyLayout, WorkerStore } from '../src';
import { ctx, envelope, newInstance, newRunningWorker } from './fixtures';

describeWithServers(['etcd'])(
  'two writers racing placements on one worker (real etcd)',
  () => {
    const INSTANCES = 1000;
    let writers: EtcdStateStore[];
    let keys: KeyLayout;

    beforeAll(() => {
      writers = [
        new EtcdStateStore({ endpoints: etcdEndpoints() }),
        new EtcdStateStore({ endpoints: etcdEndpoints() }),
      ];
      keys = new KeyLayout(`/${uniqueName('race')}`);
    });
    afterAll(() => Promise.all(writers.map((w) => w.close())));

    it('never gives a port twice and never overcommits capacity across 1,000 contended allocations', async () => {
      // 1,000 instances of one port each against 900 ports and 950 cores: some must be refused.
      const [first] = writers;
      const setupInstances = new InstanceStore(first, keys);
      const setupWorkers = new WorkerStore(first, keys);
      const { created, running } = newRunningWorker('w1', {
        ports: { start: 3000, end: 3899 },
        cpuCores: 950,
      });
      await setupWorkers.commit(created, { worker: 'absent' }, { events: [] });
      await setupWorkers.commit(
        running,
        { worker: (await setupWorkers.require('w1')).worker.revision },
        { events: [] },
      );
      for (let i = 0; i < INSTANCES; i += 100) {
        await Promise.all(
          Array.from({ length: 100 }, (_, j) => {
            const c = newInstance(`i${i + j}`);
            return setupInstances.commit(
              c,
              { instance: 'absent' },
              { events: [] },
            );
          }),
        );
      }

      const outcome = { placed: 0, refused: 0, conflicts: 0 };
      const ids = Array.from({ length: INSTANCES }, (_, i) => `i${i}`);
      await Promise.all(
        writers.map(async (store, w) => {
          const instances = new InstanceStore(store, keys);
          const workers = new WorkerStore(store, keys);
          // Each writer walks the queue from a different end, so they contend all the way through.
          const queue = w === 0 ? ids : [...ids].reverse();
          for (const id of queue) {
            for (;;) {
              const instance = await instances.require(id);
              if (
                instance.value.state !== 'pending' ||
                instance.value.pendingReason === 'refused'
              )
                break;
              const worker = await workers.require('w1');
              try {
                const change = scheduleInstance(
                  instance.value,
                  {
                    worker: worker.worker.value,
                    capacity: worker.capacity.value,
                    ports: worker.ports.value,
                  },
                  ctx('lcm/scheduler'),
                );
                await instances.commit(
                  change,
                  {
                    instance: instance.revision,
                    capacity: worker.capacity.revision,
                    ports: worker.ports.revision,
                    workerState: worker.worker.revision,
                  },
                  { events: envelope(change.events) },
                );
                outcome.placed++;
                break;
              } catch (error) {
                if (
                  error instanceof PortExhausted ||
                  error instanceof CapacityExceeded
                ) {
                  const refused = {
                    ...instance.value,
                    pendingReason: 'refused',
                  };
                  await store.txn({
                    compare: [
                      {
                        key: keys.instance(id),
                        target: 'modRevision',
                        op: '=',
                        value: instance.revision,
                      },
                    ],
                    success: [
                      {
                        type: 'put',
                        key: keys.instance(id),
                        value: JSON.stringify(refused),
                      },
                    ],
                  });
                  outcome.refused++;
                  break;
                }
                if (error instanceof Conflict) {
                  outcome.conflicts++;
                  continue;
                }
                throw error;
              }
            }
          }
        }),
      );

      const worker = await new WorkerStore(first, keys).require('w1');
      const allocations = Object.values(worker.ports.value);
      const ports = allocations.flatMap((a) => Object.values(a.ports));
      const scheduled = (
        await new InstanceStore(first, keys).list()
      ).items.filter((i) => i.value.state === 'scheduled');

      expect(new Set(ports).size).toBe(ports.length);
      expect(ports.every((p) => p >= 3000 && p <= 3899)).toBe(true);
      expect(allocations).toHaveLength(scheduled.length);
      expect(outcome.placed).toBe(scheduled.length);
      expect(scheduled.length).toBe(900);
      expect(worker.capacity.value.allocated.cpuCores).toBe(scheduled.length);
      expect(worker.capacity.value.allocated.cpuCores).toBeLessThanOrEqual(
        worker.capacity.value.declared.cpuCores,
      );
      for (const s of scheduled)
        expect(worker.ports.value[s.value.id].ports).toEqual(
          s.value.allocatedPorts,
        );
      // The race was real: both writers lost some commits to each other.
      expect(outcome.conflicts).toBeGreaterThan(0);
    }, 120_000);
  },
);
