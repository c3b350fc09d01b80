// The state-store benches' workload, one home for both drivers: running workers and pending
// instances set up, then every instance placed (a SCHEDULED transition with ports, capacity and an
// outbox event, read and committed as the scheduler does).
import { scheduleInstance } from '@lcm/domain';
import type { InstanceStore, WorkerStore } from '@lcm/state-store';
import {
  ctx,
  envelope,
  newInstance,
  newRunningWorker,
} from '../../libs/state-store/test';
import { runConcurrent } from './bench-report';

export interface PlacementWorkload {
  instances: InstanceStore;
  workers: WorkerStore;
  /** Instances `i0`…: set up pending, then placed. */
  count: number;
  /** Workers `w0`…: instance i is placed on worker i % workers. */
  workerCount: number;
  concurrency: number;
}

/** Running workers with room for every instance, and `count` pending instances. */
export async function setUpPlacements(load: PlacementWorkload): Promise<void> {
  const { instances, workers } = load;
  for (let w = 0; w < load.workerCount; w++) {
    const { created, running } = newRunningWorker(`w${w}`, {
      cpuCores: 1000,
    });
    await workers.commit(created, { worker: 'absent' }, { events: [] });
    await workers.commit(
      running,
      { worker: (await workers.require(`w${w}`)).worker.revision },
      { events: [] },
    );
  }
  await runConcurrent(load.count, load.concurrency, async (i) => {
    const c = newInstance(`i${i}`);
    await instances.commit(
      c,
      { instance: 'absent' },
      { events: envelope(c.events) },
    );
  });
}

/**
 * Places every instance; returns placements per second. A worker takes one placement at a time (its
 * commits are chained), so writers contend as little as a real scheduler's would. `beforeCommit`
 * runs just before each commit call (the watch-latency bench stamps its start there).
 */
export async function placeAll(
  load: PlacementWorkload,
  beforeCommit: (instanceId: string) => void = () => undefined,
): Promise<number> {
  const { instances, workers } = load;
  const perWorker = new Map<number, Promise<void>>();
  return runConcurrent(load.count, load.concurrency, async (i) => {
    const w = i % load.workerCount;
    const mine = (perWorker.get(w) ?? Promise.resolve()).then(async () => {
      const instance = await instances.require(`i${i}`);
      const worker = await workers.require(`w${w}`);
      const change = scheduleInstance(
        instance.value,
        {
          worker: worker.worker.value,
          capacity: worker.capacity.value,
          ports: worker.ports.value,
        },
        ctx('lcm/scheduler'),
      );
      beforeCommit(`i${i}`);
      await instances.commit(
        change,
        {
          instance: instance.revision,
          capacity: worker.capacity.revision,
          ports: worker.ports.revision,
          workerState: worker.worker.revision,
        },
        { events: envelope(change.events, 'lcm/scheduler') },
      );
    });
    perWorker.set(w, mine);
    await mine;
  });
}
