import {
  Conflict,
  terminatePendingInstance,
  terminateScheduledInstance,
  usedPorts,
} from '@lcm/domain';
import {
  InstanceStore,
  KeyLayout,
  MemoryStateStore,
  WorkerStore,
} from '@lcm/state-store';
import { InstrumentedStore } from '../../test/instrumented-store';
import { settle, until } from '@lcm/testing';
import {
  aSpec,
  ctx,
  seedPendingInstance,
  seedRunningWorker,
} from '../../test/scheduler-fixtures';
import { Scheduler } from './scheduler';
import { DEFAULT_SCHEDULER_SETTINGS } from './scheduler-settings';

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('Scheduler under concurrent writers (memory state store)', () => {
  it.each([1, 2, 3])(
    'keeps every worker ledger exact while the api deletes and the controller releases under it (seed %i)',
    async (seed) => {
      const memory = new MemoryStateStore();
      const keys = new KeyLayout('/lcm');
      const instances = new InstanceStore(memory, keys);
      const workers = new WorkerStore(memory, keys);
      const next = random(seed);
      for (let w = 0; w < 4; w++)
        await seedRunningWorker(workers, `w${w}`, {
          capacity: { cpuCores: 16, maxNodes: 40 },
        });
      // The scheduler's transactions take 0-3 ms, so the api and the controller write in between.
      const store = new InstrumentedStore(memory, {
        txnDelayMs: () => next() * 3,
      });
      const scheduler = new Scheduler({
        store,
        keys,
        templates: { list: async () => [] },
        settings: {
          ...DEFAULT_SCHEDULER_SETTINGS,
          replicaId: 'a',
          reconcileIntervalSeconds: 3600,
          maxBatchSize: 4,
          maxCommitsInFlight: 2,
        },
      });
      try {
        scheduler.start();
        await scheduler.whenLeading();
        // 120 arrivals (4 cores each: room for 16 at a time) while others delete and release.
        let lostByOthers = 0;
        for (let i = 0; i < 120; i++) {
          await seedPendingInstance(instances, `i${i}`, {
            spec: aSpec({ cpuCores: 4, nodeCount: 1 }),
          });
          if (next() < 0.5) await settle(next() * 3);
          const victim = `i${Math.floor(next() * (i + 1))}`;
          const current = await instances.get(victim);
          try {
            if (current?.value.state === 'pending' && next() < 0.3) {
              await instances.commit(
                terminatePendingInstance(current.value, ctx('user-1')),
                { instance: current.revision },
                { events: [] },
              );
            } else if (
              current?.value.state === 'scheduled' &&
              current.value.workerId &&
              next() < 0.6
            ) {
              const worker = await workers.require(current.value.workerId);
              const change = terminateScheduledInstance(
                current.value,
                { capacity: worker.capacity.value, ports: worker.ports.value },
                ctx('lcm/controller'),
              );
              await instances.commit(
                change,
                {
                  instance: current.revision,
                  capacity: worker.capacity.revision,
                  ports: worker.ports.revision,
                },
                { events: [] },
              );
            }
          } catch (error) {
            // Lost a race with the scheduler: as a real writer would, give up this change.
            if (!(error instanceof Conflict)) throw error;
            lostByOthers++;
          }
        }
        // Settled: nothing waits, or whatever waits does so because the workers are full.
        const states = async () =>
          (await instances.list()).items.map((i) => i.value);
        await until(
          async () => {
            await scheduler.whenIdle();
            const all = await states();
            return (
              !all.some((i) => i.state === 'pending') ||
              all.filter((i) => i.state === 'scheduled').length === 16
            );
          },
          8000,
          'the scheduler to settle',
        );
        const scheduled = (await states()).filter(
          (i) => i.state === 'scheduled',
        );
        for (const view of (await workers.list()).items) {
          const mine = scheduled.filter(
            (i) => i.workerId === view.worker.value.id,
          );
          expect(Object.keys(view.ports.value).sort()).toEqual(
            mine.map((i) => i.id).sort(),
          );
          expect(view.capacity.value.allocated.cpuCores).toBe(mine.length * 4);
          expect(usedPorts(view.ports.value).size).toBe(mine.length * 2);
          for (const instance of mine)
            expect(view.ports.value[instance.id].ports).toEqual(
              instance.allocatedPorts,
            );
        }
        // The races did happen: a placement met a record that had moved, or the other writers did.
        expect(
          ((await scheduler.metrics.conflicts.get()).values[0]?.value ?? 0) +
            lostByOthers,
        ).toBeGreaterThan(0);
      } finally {
        await scheduler.stop();
        await memory.close();
      }
    },
    15_000,
  );
});
