import fc from 'fast-check';
import type { LabletInstance } from '@lcm/domain';
import { minWorkers, type Demand } from '../../test/min-workers';
import {
  aPendingInstance,
  aWorker,
  placeOn,
} from '../../test/scheduling-fixtures';
import { DEFAULT_FILTERS } from '../plugins/filters/default-filters';
import { placeBatch } from './place-batch';
import { placeInstance } from './place-instance';
import type { WorkerView } from './worker-view';

// How consolidating is binpack? Identical workers, 3-6 instances placed one by one in queue order
// (placeInstance), and as one batch (placeBatch: the same admission, then re-packed), compared
// with the optimum found by brute force.

interface Size {
  cpuCores: number;
  memoryGb: number;
  storageGb: number;
  nodeCount: number;
  portCount: number;
}

interface Cluster {
  declared: {
    cpuCores: number;
    memoryGb: number;
    storageGb: number;
    maxNodes: number;
  };
  ports: number;
}

/** 16 cores, 64 GB, 400 GB, 16 nodes, 16 ports: every dimension a multiple of 16. */
const CLUSTER: Cluster = {
  declared: { cpuCores: 16, memoryGb: 64, storageGb: 400, maxNodes: 16 },
  ports: 16,
};

function demand(size: Size): Demand {
  return [
    size.cpuCores,
    size.memoryGb,
    size.storageGb,
    size.nodeCount,
    size.portCount,
  ];
}

function capacityOf(cluster: Cluster): Demand {
  const d = cluster.declared;
  return [d.cpuCores, d.memoryGb, d.storageGb, d.maxNodes, cluster.ports];
}

/** `units` sixteenths of a worker in every dimension (a one-dimensional problem). */
function proportional(units: number): Size {
  return {
    cpuCores: units,
    memoryGb: 4 * units,
    storageGb: 25 * units,
    nodeCount: units,
    portCount: units,
  };
}

function instancesOf(sizes: readonly Size[]): LabletInstance[] {
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

/** As many identical empty workers as instances. */
function emptyWorkers(count: number, cluster: Cluster): WorkerView[] {
  return Array.from({ length: count }, (_, i) =>
    aWorker('running', {
      id: `w-${i}`,
      declared: cluster.declared,
      portRange: { start: 3000, end: 3000 + cluster.ports - 1 },
    }),
  );
}

/** Places every instance in queue order, one at a time, on as many identical empty workers as instances. */
function packInQueueOrder(sizes: readonly Size[], cluster: Cluster): Packing {
  let views: WorkerView[] = emptyWorkers(sizes.length, cluster);
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
function packAsBatch(sizes: readonly Size[], cluster: Cluster): number {
  const batch = placeBatch(
    instancesOf(sizes),
    emptyWorkers(sizes.length, cluster),
  );
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

/** Independent dimensions, each up to 5/8 of a worker (so instances do share workers). */
const anySizeArb: fc.Arbitrary<Size> = fc.record({
  cpuCores: fc.integer({ min: 1, max: 10 }),
  memoryGb: fc.integer({ min: 1, max: 40 }),
  storageGb: fc.integer({ min: 1, max: 250 }),
  nodeCount: fc.integer({ min: 1, max: 10 }),
  portCount: fc.integer({ min: 0, max: 10 }),
});

describe('bin-packing quality of queue-order binpack (identical workers)', () => {
  it('never opens an empty worker while a worker in use can take the instance (any sizes)', () => {
    fc.assert(
      fc.property(
        fc.array(anySizeArb, { minLength: 3, maxLength: 6 }),
        (sizes) => {
          expect(packInQueueOrder(sizes, CLUSTER).openedNeedlessly).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('uses one worker whenever one can hold everything', () => {
    const smallArb = fc.array(
      anySizeArb.map((s) => ({ ...s, cpuCores: Math.ceil(s.cpuCores / 3) })),
      {
        minLength: 3,
        maxLength: 6,
      },
    );
    fc.assert(
      fc.property(smallArb, (sizes) => {
        fc.pre(minWorkers(sizes.map(demand), capacityOf(CLUSTER)) === 1);
        expect(packInQueueOrder(sizes, CLUSTER).used).toBe(1);
      }),
      { numRuns: 50 },
    );
  });

  it('with one-dimensional sizes uses at most 2 x optimum - 1 workers (the any-fit bound)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 16 }).map(proportional), {
          minLength: 3,
          maxLength: 6,
        }),
        (sizes) => {
          const optimum = minWorkers(sizes.map(demand), capacityOf(CLUSTER));
          expect(packInQueueOrder(sizes, CLUSTER).used).toBeLessThanOrEqual(
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
        fc.array(fc.constantFrom(1, 2, 4, 8, 16).map(proportional), {
          minLength: 3,
          maxLength: 6,
        }),
        (sizes) => {
          const optimum = minWorkers(sizes.map(demand), capacityOf(CLUSTER));
          expect(packInQueueOrder(sizes, CLUSTER).used).toBeLessThanOrEqual(
            1.25 * optimum,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('one instance at a time is NOT within 1.25 x the optimum in general: two medium labs then two large ones take 3 workers where 2 suffice (a batch fixes it, below)', () => {
    // 6 + 6 share a worker (12/16); each 10 then finds no room and opens its own. Optimum: 6+10, 6+10.
    const sizes = [6, 6, 10, 10].map(proportional);
    expect(minWorkers(sizes.map(demand), capacityOf(CLUSTER))).toBe(2);
    expect(packInQueueOrder(sizes, CLUSTER).used).toBe(3);
  });
});

describe('bin-packing quality of batch placement (placeBatch, identical workers)', () => {
  const anySizesArb = fc.array(anySizeArb, { minLength: 3, maxLength: 6 });

  it('uses at most 1.25 x the optimum workers (any sizes, every dimension independent)', () => {
    fc.assert(
      fc.property(anySizesArb, (sizes) => {
        const optimum = minWorkers(sizes.map(demand), capacityOf(CLUSTER));
        expect(packAsBatch(sizes, CLUSTER)).toBeLessThanOrEqual(1.25 * optimum);
      }),
      { numRuns: 300 },
    );
  });

  it('reaches the optimum on batches this small (the branch and bound completes within its budget)', () => {
    fc.assert(
      fc.property(anySizesArb, (sizes) => {
        expect(packAsBatch(sizes, CLUSTER)).toBe(
          minWorkers(sizes.map(demand), capacityOf(CLUSTER)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('never uses more workers than one-at-a-time placement', () => {
    fc.assert(
      fc.property(anySizesArb, (sizes) => {
        expect(packAsBatch(sizes, CLUSTER)).toBeLessThanOrEqual(
          packInQueueOrder(sizes, CLUSTER).used,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('places two medium labs then two large ones on 2 workers (6+10 and 6+10), where one at a time takes 3', () => {
    const sizes = [6, 6, 10, 10].map(proportional);
    expect(packAsBatch(sizes, CLUSTER)).toBe(2);
    const batch = placeBatch(
      instancesOf(sizes),
      emptyWorkers(sizes.length, CLUSTER),
    );
    expect(batch.consolidated).toBe(true);
    expect(batch.workersInUse).toEqual({ queueOrder: 3, placed: 2 });
  });
});
