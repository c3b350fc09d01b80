import fc from 'fast-check';
import {
  CAPACITY_DIMENSIONS,
  isPortInRange,
  scheduleInstance,
  type LabletInstance,
  type WorkerCapacityRecord,
  type WorkerPorts,
} from '@lcm/domain';
import {
  feasibleWorkerViewsArb,
  pendingInstancesArb,
  permutationArb,
  sixteenthSizeArb,
  workerViewsArb,
} from '../../test/scheduling-arbitraries';
import {
  aPendingInstance,
  at,
  ctx,
  placeOn,
  sixteenWorkers,
} from '../../test/scheduling-fixtures';
import { DEFAULT_FILTERS } from '../plugins/filters/default-filters';
import { PLACEMENT_STRATEGIES } from '../plugins/scorers/strategy';
import { isWorkerInUse } from './consolidate-placements';
import { placeBatch } from './place-batch';
import {
  placeInstance,
  type PlacementDecision,
  type PlacementOptions,
} from './place-instance';
import type { WorkerView } from './worker-view';

const strategyArb = fc.constantFrom(...PLACEMENT_STRATEGIES);

/** Any licence and AMI requirement goes to any of these workers. */
function compatible(instance: LabletInstance): LabletInstance {
  return {
    ...instance,
    spec: {
      ...instance.spec,
      licenseAffinity: ['PERSONAL', 'ENTERPRISE'],
      requirements: {
        ...instance.spec.requirements,
        amiRequirements: undefined,
      },
    },
  };
}

/** Identical empty workers and independent random sizes: where one at a time can waste a worker. */
const emptyClusterCaseArb: fc.Arbitrary<[WorkerView[], LabletInstance[]]> =
  fc.tuple(
    fc.integer({ min: 1, max: 6 }).map(sixteenWorkers),
    fc
      .array(sixteenthSizeArb, { minLength: 1, maxLength: 8 })
      .map((sizes) =>
        sizes.map((size, i) =>
          aPendingInstance({ ...size, id: `i-${i}`, startsIn: i }),
        ),
      ),
  );

/**
 * Mixed clusters (every state, licence, AMI, load; many instances unplaced), clusters of
 * compatible running workers with some load, and identical empty workers.
 */
const caseArb: fc.Arbitrary<[WorkerView[], LabletInstance[]]> = fc.oneof(
  fc.tuple(workerViewsArb, pendingInstancesArb(1, 8)),
  fc.tuple(
    feasibleWorkerViewsArb,
    pendingInstancesArb(1, 8).map((instances) => instances.map(compatible)),
  ),
  emptyClusterCaseArb,
);

/** What the scheduler did before batches: `placeInstance` in queue order, each seeing the last. */
function oneAtATime(
  instances: readonly LabletInstance[],
  workers: readonly WorkerView[],
  options: PlacementOptions,
): PlacementDecision[] {
  let views = [...workers];
  return instances.map((instance) => {
    const decision = placeInstance(instance, views, options);
    if (decision.action === 'assign')
      views = views.map((v) =>
        v.worker.id === decision.workerId ? placeOn(v, instance).view : v,
      );
    return decision;
  });
}

/**
 * Commits the decisions in queue order through `scheduleInstance`, checking each assignment
 * against every filter on the worker as the earlier ones left it; returns the workers afterwards.
 */
function commitInOrder(
  instances: readonly LabletInstance[],
  workers: readonly WorkerView[],
  decisions: readonly PlacementDecision[],
): WorkerView[] {
  const state = new Map(workers.map((v) => [v.worker.id, v]));
  decisions.forEach((decision, i) => {
    if (decision.action !== 'assign') return;
    const view = state.get(decision.workerId) as WorkerView;
    const instance = instances[i];
    const failed = DEFAULT_FILTERS.map((f) => f.filter(view, instance)).find(
      (r) => !r.ok,
    );
    expect(failed).toBeUndefined();
    const change = scheduleInstance(
      instance,
      view,
      ctx(at(1), 'lcm/scheduler'),
    );
    expect(change.capacity).toEqual(decision.capacity);
    expect(change.instance.allocatedPorts).toEqual(decision.ports);
    state.set(view.worker.id, {
      worker: view.worker,
      capacity: change.capacity as WorkerCapacityRecord,
      ports: change.ports as WorkerPorts,
    });
  });
  return [...state.values()];
}

describe('placeBatch properties', () => {
  it('every assignment passes every filter where it lands, never over-commits, never hands out a port twice, and is what scheduleInstance commits', () => {
    fc.assert(
      fc.property(caseArb, strategyArb, ([views, instances], strategy) => {
        const batch = placeBatch(instances, views, { strategy });
        for (const view of commitInOrder(instances, views, batch.decisions)) {
          for (const d of CAPACITY_DIMENSIONS)
            expect(view.capacity.allocated[d]).toBeLessThanOrEqual(
              view.capacity.declared[d],
            );
          const ports = Object.values(view.ports).flatMap((a) =>
            Object.values(a.ports),
          );
          expect(new Set(ports).size).toBe(ports.length);
          expect(
            ports.every((p) => isPortInRange(p, view.worker.portRange)),
          ).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('admits exactly what one-at-a-time placement admits: the same instances placed, the rest with the same decision and explanation', () => {
    fc.assert(
      fc.property(caseArb, strategyArb, ([views, instances], strategy) => {
        const batch = placeBatch(instances, views, { strategy });
        const single = oneAtATime(instances, views, { strategy });
        expect(batch.decisions.map((d) => [d.instanceId, d.action])).toEqual(
          single.map((d) => [d.instanceId, d.action]),
        );
        batch.decisions.forEach((decision, i) => {
          if (decision.action !== 'assign') expect(decision).toEqual(single[i]);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('re-packs only to use strictly fewer workers; otherwise its decisions are one-at-a-time placement, word for word', () => {
    fc.assert(
      fc.property(caseArb, strategyArb, ([views, instances], strategy) => {
        const batch = placeBatch(instances, views, { strategy });
        const single = oneAtATime(instances, views, { strategy });
        const inUse = (decisions: readonly PlacementDecision[]): number =>
          commitInOrder(instances, views, decisions).filter(isWorkerInUse)
            .length;
        expect(batch.workersInUse.queueOrder).toBe(inUse(single));
        expect(batch.workersInUse.placed).toBe(inUse(batch.decisions));
        if (batch.consolidated) {
          expect(strategy).toBe('binpack');
          expect(batch.workersInUse.placed).toBeLessThan(
            batch.workersInUse.queueOrder,
          );
        } else {
          expect(batch.decisions).toEqual(single);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic: the same input, in any worker order, gives the same decisions', () => {
    fc.assert(
      fc.property(
        caseArb.chain(([views, instances]) =>
          fc.tuple(
            fc.constant(views),
            fc.constant(instances),
            permutationArb(views.length),
          ),
        ),
        strategyArb,
        ([views, instances, order], strategy) => {
          const first = placeBatch(instances, views, { strategy });
          expect(placeBatch(instances, views, { strategy })).toEqual(first);
          expect(
            placeBatch(
              instances,
              order.map((i) => views[i]),
              { strategy },
            ),
          ).toEqual(first);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a batch of one is exactly placeInstance, unless that opens an empty worker while a worker in use could take the instance', () => {
    fc.assert(
      fc.property(caseArb, strategyArb, ([views, instances], strategy) => {
        const [instance] = instances;
        const single = placeInstance(instance, views, { strategy });
        const [decision] = placeBatch([instance], views, {
          strategy,
        }).decisions;
        const inUseAndFits = views.filter(
          (v) =>
            isWorkerInUse(v) &&
            DEFAULT_FILTERS.every((f) => f.filter(v, instance).ok),
        );
        const opened =
          single.action === 'assign' &&
          !isWorkerInUse(
            views.find((v) => v.worker.id === single.workerId) as WorkerView,
          );
        if (strategy === 'binpack' && opened && inUseAndFits.length > 0) {
          // Heterogeneous workers: binpack can prefer a small empty worker to a big one in use.
          expect(inUseAndFits.map((v) => v.worker.id)).toContain(
            decision.action === 'assign' ? decision.workerId : undefined,
          );
        } else {
          expect(decision).toEqual(single);
        }
      }),
      { numRuns: 300 },
    );
  });
});
