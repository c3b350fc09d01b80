import fc from 'fast-check';
import type { LabletInstance } from '@lcm/domain';
import { minWorkers, type Demand } from '../../test/min-workers';
import { sixteenthSizeArb } from '../../test/scheduling-arbitraries';
import {
  aPendingInstance,
  placeOn,
  SIXTEEN_WORKER,
  sixteenths,
  sixteenWorkers,
  type SizedShape,
} from '../../test/scheduling-fixtures';
import { DEFAULT_FILTERS } from '../plugins/filters/default-filters';
import { placeBatch } from './place-batch';
import { placeInstance } from './place-instance';
import type { WorkerView } from './worker-view';

// How consolidating is binpack? Identical workers, 3-6 instances placed one by one in queue order
// (placeInstance), and as one batch (placeBatch: the same admission, then re-packed), compared
// with the optimum found by brute force.

function demand(size: SizedShape): Demand {
  return [
    size.cpuCores,
    size.memoryGb,
    size.storageGb,
    size.nodeCount,
    size.portCount,
  ];
}

/** A SIXTEEN_WORKER's capacity in `demand`'s dimensions. */
function capacity(): Demand {
  const d = SIXTEEN_WORKER.declared;
  return [
    d.cpuCores,
    d.memoryGb,
    d.storageGb,
    d.maxNodes,
    SIXTEEN_WORKER.ports,
  ];
}

function instancesOf(sizes: readonly SizedShape[]): LabletInstance[] {
  return sizes.map((size, i) =>
    aPendingInstance({
      ...size,
      id: `i-${i}`,
      startsIn: i,
      licenseAffinity: ['PERSONAL', 'ENTERPRISE'],
    }),
  );
}

interface Packing {
  used: number;
  /** Placements that went to an empty worker although a worker in use could take the instance. */
  openedNeedlessly: string[];
}

/** Places every instance in queue order, one at a time, on as many identical empty workers as instances. */
function packInQueueOrder(sizes: readonly SizedShape[]): Packing {
  let views: WorkerView[] = sixteenWorkers(sizes.length);
  const used = new Set<string>();
  const openedNeedlessly: string[] = [];
  for (const instance of instancesOf(sizes)) {
    const decision = placeInstance(instance, views);
    if (decision.action !== 'assign')
      throw new Error(
        `${instance.id} not placed: ${decision.explanation.text}`,
      );
    const inUseAndFits = views.filter(
      (v) =>
        used.has(v.worker.id) &&
        DEFAULT_FILTERS.every((f) => f.filter(v, instance).ok),
    );
    if (!used.has(decision.workerId) && inUseAndFits.length > 0)
      openedNeedlessly.push(instance.id);
    used.add(decision.workerId);
    views = views.map((v) =>
      v.worker.id === decision.workerId ? placeOn(v, instance).view : v,
    );
  }
  return { used: used.size, openedNeedlessly };
}

/** Workers in use after placing every instance as one batch; throws if one is not placed. */
function packAsBatch(sizes: readonly SizedShape[]): number {
  const batch = placeBatch(instancesOf(sizes), sixteenWorkers(sizes.length));
  const unplaced = batch.decisions.find((d) => d.action !== 'assign');
  if (unplaced)
    throw new Error(
      `${unplaced.instanceId} not placed: ${unplaced.explanation.text}`,
    );
  const used = new Set(
    batch.decisions.flatMap((d) => (d.action === 'assign' ? [d.workerId] : [])),
  );
  expect(batch.workersInUse.placed).toBe(used.size);
  return used.size;
}

describe('bin-packing quality of queue-order binpack (identical workers)', () => {
  it('never opens an empty worker while a worker in use can take the instance (any sizes)', () => {
    fc.assert(
      fc.property(
        fc.array(sixteenthSizeArb, { minLength: 3, maxLength: 6 }),
        (sizes) => {
          expect(packInQueueOrder(sizes).openedNeedlessly).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('uses one worker whenever one can hold everything', () => {
    const smallArb = fc.array(
      sixteenthSizeArb.map((s) => ({
        ...s,
        cpuCores: Math.ceil(s.cpuCores / 3),
      })),
      {
        minLength: 3,
        maxLength: 6,
      },
    );
    fc.assert(
      fc.property(smallArb, (sizes) => {
        fc.pre(minWorkers(sizes.map(demand), capacity()) === 1);
        expect(packInQueueOrder(sizes).used).toBe(1);
      }),
      { numRuns: 50 },
    );
  });

  it('with one-dimensional sizes uses at most 2 x optimum - 1 workers (the any-fit bound)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 16 }).map(sixteenths), {
          minLength: 3,
          maxLength: 6,
        }),
        (sizes) => {
          const optimum = minWorkers(sizes.map(demand), capacity());
          expect(packInQueueOrder(sizes).used).toBeLessThanOrEqual(
            2 * optimum - 1,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with sizes that divide a worker (1/16, 1/8, 1/4, 1/2, 1 of it) stays within 1.25 x the optimum', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(1, 2, 4, 8, 16).map(sixteenths), {
          minLength: 3,
          maxLength: 6,
        }),
        (sizes) => {
          const optimum = minWorkers(sizes.map(demand), capacity());
          expect(packInQueueOrder(sizes).used).toBeLessThanOrEqual(
            1.25 * optimum,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('one instance at a time is NOT within 1.25 x the optimum in general: two medium labs then two large ones take 3 workers where 2 suffice (a batch fixes it, below)', () => {
    // 6 + 6 share a worker (12/16); each 10 then finds no room and opens its own. Optimum: 6+10, 6+10.
    const sizes = [6, 6, 10, 10].map(sixteenths);
    expect(minWorkers(sizes.map(demand), capacity())).toBe(2);
    expect(packInQueueOrder(sizes).used).toBe(3);
  });
});

describe('bin-packing quality of batch placement (placeBatch, identical workers)', () => {
  const anySizedShapesArb = fc.array(sixteenthSizeArb, {
    minLength: 3,
    maxLength: 6,
  });

  it('uses at most 1.25 x the optimum workers (any sizes, every dimension independent)', () => {
    fc.assert(
      fc.property(anySizedShapesArb, (sizes) => {
        const optimum = minWorkers(sizes.map(demand), capacity());
        expect(packAsBatch(sizes)).toBeLessThanOrEqual(1.25 * optimum);
      }),
      { numRuns: 300 },
    );
  });

  it('reaches the optimum on batches this small (the branch and bound completes within its budget)', () => {
    fc.assert(
      fc.property(anySizedShapesArb, (sizes) => {
        expect(packAsBatch(sizes)).toBe(
          minWorkers(sizes.map(demand), capacity()),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('never uses more workers than one-at-a-time placement', () => {
    fc.assert(
      fc.property(anySizedShapesArb, (sizes) => {
        expect(packAsBatch(sizes)).toBeLessThanOrEqual(
          packInQueueOrder(sizes).used,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('places two medium labs then two large ones on 2 workers (6+10 and 6+10), where one at a time takes 3', () => {
    const sizes = [6, 6, 10, 10].map(sixteenths);
    expect(packAsBatch(sizes)).toBe(2);
    const batch = placeBatch(instancesOf(sizes), sixteenWorkers(sizes.length));
    expect(batch.consolidated).toBe(true);
    expect(batch.workersInUse).toEqual({ queueOrder: 3, placed: 2 });
  });
});
