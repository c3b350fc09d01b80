import type { LabletInstance } from '@lcm/domain';
import {
  aPendingInstance,
  aWorker,
  at,
  placeOn,
  sixteenths,
  sixteenWorkers,
} from '../../test/scheduling-fixtures';
import { DEFAULT_FILTERS } from '../plugins/filters/default-filters';
import { remove, KEEP, type FilterPlugin } from './plugin';
import { consolidatePlacements } from './consolidate-placements';
import { placeBatch } from './place-batch';
import { placeInstance, type PlacementDecision } from './place-instance';
import type { WorkerView } from './worker-view';

function queue(...units: number[]): LabletInstance[] {
  return units.map((u, i) =>
    aPendingInstance({ ...sixteenths(u), id: `i-${i}`, startsIn: i }),
  );
}

function workerOf(decisions: readonly PlacementDecision[]): string[] {
  return decisions.map((d) => (d.action === 'assign' ? d.workerId : d.action));
}

describe('placeBatch', () => {
  it('places 6, 6, 10 and 10 sixteenths on 2 workers (6+10 twice) where one at a time opens 3', () => {
    const batch = placeBatch(queue(6, 6, 10, 10), sixteenWorkers(4));
    expect(batch.consolidated).toBe(true);
    expect(batch.workersInUse).toEqual({ queueOrder: 3, placed: 2 });
    expect(workerOf(batch.decisions)).toEqual(['w-0', 'w-1', 'w-0', 'w-1']);
  });

  it('allocates the re-packed ports lowest free first, in queue order, as scheduleInstance will', () => {
    const [first, , third] = placeBatch(
      queue(6, 6, 10, 10),
      sixteenWorkers(4),
    ).decisions;
    expect(first).toMatchObject({
      workerId: 'w-0',
      ports: { port_0: 3000, port_5: 3005 },
    });
    expect(third).toMatchObject({
      workerId: 'w-0',
      ports: { port_0: 3006, port_9: 3015 },
    });
    expect(third.action === 'assign' && third.capacity.allocated).toEqual({
      cpuCores: 16,
      memoryGb: 64,
      storageGb: 400,
      maxNodes: 16,
    });
  });

  it('explains a consolidated assignment: the workers saved, the score, the filters', () => {
    const [first] = placeBatch(
      queue(6, 6, 10, 10),
      sixteenWorkers(4),
    ).decisions;
    expect(first.explanation.text).toBe(
      'assigned to w-0 in a consolidated batch (2 workers in use instead of 3), binpack score 0.375 (4 of 4 workers fit)',
    );
    expect(first.explanation.ranking).toHaveLength(4);
  });

  it('keeps one-at-a-time placement, word for word, when a re-pack saves no worker', () => {
    const instances = queue(10, 10, 6, 6);
    const workers = sixteenWorkers(4);
    const batch = placeBatch(instances, workers);
    expect(batch.consolidated).toBe(false);
    expect(batch.workersInUse).toEqual({ queueOrder: 2, placed: 2 });
    let views = workers;
    instances.forEach((instance, i) => {
      const single = placeInstance(instance, views);
      expect(batch.decisions[i]).toEqual(single);
      if (single.action === 'assign')
        views = views.map((v) =>
          v.worker.id === single.workerId ? placeOn(v, instance).view : v,
        );
    });
  });

  it('with the spread strategy, places one at a time (spreading is the point)', () => {
    const batch = placeBatch(queue(6, 6, 10, 10), sixteenWorkers(4), {
      strategy: 'spread',
    });
    expect(batch.consolidated).toBe(false);
    expect(new Set(workerOf(batch.decisions)).size).toBe(4);
  });

  it('with a custom scorer, places one at a time (its aim is unknown)', () => {
    const oldestFirst = {
      name: 'oldest',
      score: (v: WorkerView) => -Number(v.worker.id.slice(2)),
    };
    const batch = placeBatch(queue(6, 6, 10, 10), sixteenWorkers(4), {
      scorer: oldestFirst,
    });
    expect(batch.consolidated).toBe(false);
    expect(workerOf(batch.decisions)).toEqual(['w-0', 'w-0', 'w-1', 'w-2']);
  });

  it('admits one at a time: an instance that found no room stays unplaced even if the re-pack frees a worker', () => {
    // Three workers: 6+6, 10, 10 fill them all, so the full-size lab needs a scale-up; the
    // re-pack (6+10, 6+10) then leaves w-2 empty, but admission was already decided.
    const batch = placeBatch(queue(6, 6, 10, 10, 16), sixteenWorkers(3));
    expect(batch.consolidated).toBe(true);
    expect(workerOf(batch.decisions)).toEqual([
      'w-0',
      'w-1',
      'w-0',
      'w-1',
      'scale_up',
    ]);
    expect(batch.decisions[4].explanation.text).toBe(
      'no worker fits (3 workers: insufficient cpu, memory, storage, nodes); scale up needed',
    );
  });

  it('moves an instance onto a worker in use rather than open a small empty one binpack prefers', () => {
    const big = aWorker('running', { id: 'w-big' });
    const inUse = placeOn(
      big,
      aPendingInstance({ id: 'i-old', cpuCores: 1, memoryGb: 1 }),
      at(1),
    ).view;
    const small = aWorker('running', {
      id: 'w-small',
      declared: { cpuCores: 4, memoryGb: 8, storageGb: 50, maxNodes: 2 },
    });
    const instance = aPendingInstance({ id: 'i-new' });
    expect(placeInstance(instance, [inUse, small])).toMatchObject({
      workerId: 'w-small',
    });
    const batch = placeBatch([instance], [inUse, small]);
    expect(workerOf(batch.decisions)).toEqual(['w-big']);
    expect(batch.workersInUse).toEqual({ queueOrder: 2, placed: 1 });
  });

  it('keeps one-at-a-time placement when a filter the re-pack cannot model refuses it', () => {
    // A stateful rule (one lab per worker): every worker passes it before the batch, so only the
    // replay through the filters can tell that the re-pack breaks it.
    const onePerWorker: FilterPlugin = {
      name: 'one-per-worker',
      filter: ({ ports }) =>
        Object.keys(ports).length === 0 ? KEEP : remove('worker taken'),
    };
    const filters = [...DEFAULT_FILTERS, onePerWorker];
    const batch = placeBatch(queue(6, 6, 10, 10), sixteenWorkers(4), {
      filters,
    });
    expect(batch.consolidated).toBe(false);
    expect(workerOf(batch.decisions)).toEqual(['w-0', 'w-1', 'w-2', 'w-3']);
  });
});

describe('consolidatePlacements', () => {
  const instances = queue(7, 6, 5, 5, 5, 4);
  const workers = sixteenWorkers(6);
  const admitted = (): { request: LabletInstance; workerId: string }[] => {
    const batch = placeBatch(instances, workers, {
      consolidation: { exactLimit: 0 },
    });
    return batch.decisions.map((d, i) => ({
      request: instances[i],
      workerId: d.action === 'assign' ? d.workerId : '',
    }));
  };

  it('finds with branch and bound what largest first misses: 7, 6, 5, 5, 5, 4 sixteenths on 2 workers, not 3', () => {
    expect(
      consolidatePlacements(admitted(), workers, { exactLimit: 0 }),
    ).toBeUndefined();
    const found = consolidatePlacements(admitted(), workers);
    expect(found).toMatchObject({
      method: 'branch-and-bound',
      workersInUse: { queueOrder: 3, consolidated: 2 },
    });
  });

  it('keeps the queue-order placement when the node budget runs out before a better packing is found', () => {
    expect(
      consolidatePlacements(admitted(), workers, { nodeBudget: 3 }),
    ).toBeUndefined();
  });

  it('refuses candidates that lack a worker the admitted instances went to', () => {
    expect(() =>
      consolidatePlacements(
        [{ request: instances[0], workerId: 'w-gone' }],
        workers,
      ),
    ).toThrow(/w-gone/);
  });

  it('does nothing when the batch opened no empty worker (nothing to save)', () => {
    const inUse = placeOn(workers[0], aPendingInstance({ id: 'i-old' })).view;
    expect(
      consolidatePlacements(
        [{ request: instances[5], workerId: 'w-0' }],
        [inUse, ...workers.slice(1)],
      ),
    ).toBeUndefined();
  });
});
