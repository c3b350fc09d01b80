import fc from 'fast-check';
import {
  CAPACITY_DIMENSIONS,
  capacityRequestOf,
  isPortInRange,
  scheduleInstance,
  type LabletInstance,
  type WorkerCapacityRecord,
  type WorkerPorts,
} from '@lcm/domain';
import {
  compatibleInstanceArb,
  feasibleWorkerViewsArb,
  pendingInstanceArb,
  pendingInstancesArb,
  permutationArb,
  workerViewsArb,
} from '../../test/scheduling-arbitraries';
import { aWorker, at, ctx } from '../../test/scheduling-fixtures';
import { DEFAULT_FILTERS } from '../plugins/filters/default-filters';
import { PLACEMENT_STRATEGIES } from '../plugins/scorers/strategy';
import { placeInstance } from './place-instance';
import type { WorkerView } from './worker-view';

const strategyArb = fc.constantFrom(...PLACEMENT_STRATEGIES);

/**
 * Half mixed clusters (every state, licence, AMI; most workers filtered out, ~20% assign), half
 * clusters of compatible running workers (almost always assign, often with equal scores).
 */
const caseArb: fc.Arbitrary<[WorkerView[], LabletInstance]> = fc.oneof(
  fc.tuple(workerViewsArb, pendingInstanceArb(0)),
  fc.tuple(feasibleWorkerViewsArb, compatibleInstanceArb(0)),
);

function passesEveryFilter(
  view: WorkerView,
  instance: LabletInstance,
): boolean {
  return DEFAULT_FILTERS.every((f) => f.filter(view, instance).ok);
}

describe('placeInstance properties', () => {
  it('assigns only to a worker that passes every filter, and to one whenever such a worker exists', () => {
    fc.assert(
      fc.property(caseArb, strategyArb, ([views, instance], strategy) => {
        const decision = placeInstance(instance, views, { strategy });
        const feasible = views.filter((v) => passesEveryFilter(v, instance));
        if (decision.action === 'assign') {
          const chosen = views.find((v) => v.worker.id === decision.workerId);
          expect(chosen && passesEveryFilter(chosen, instance)).toBe(true);
        } else {
          expect(feasible).toEqual([]);
        }
        // Every worker is accounted for: removed once, or ranked.
        const removed = decision.explanation.removals.reduce(
          (n, r) => n + r.count,
          0,
        );
        expect(removed + decision.explanation.ranking.length).toBe(
          views.length,
        );
        expect(decision.explanation.ranking.length).toBe(feasible.length);
      }),
      { numRuns: 150 },
    );
  });

  it('is deterministic: the same input, in any worker order, gives the same decision and explanation', () => {
    fc.assert(
      fc.property(
        caseArb.chain(([views, instance]) =>
          fc.tuple(
            fc.constant(views),
            fc.constant(instance),
            permutationArb(views.length),
          ),
        ),
        strategyArb,
        ([views, instance, order], strategy) => {
          const first = placeInstance(instance, views, { strategy });
          expect(placeInstance(instance, views, { strategy })).toEqual(first);
          expect(
            placeInstance(
              instance,
              order.map((i) => views[i]),
              { strategy },
            ),
          ).toEqual(first);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('placing many instances in turn never over-commits capacity nor hands out a port twice, and each decision is exactly what scheduleInstance commits', () => {
    const workerArb = fc.record({
      cpuCores: fc.integer({ min: 8, max: 32 }),
      memoryGb: fc.integer({ min: 16, max: 128 }),
      storageGb: fc.integer({ min: 100, max: 400 }),
      maxNodes: fc.integer({ min: 4, max: 20 }),
      ports: fc.integer({ min: 1, max: 12 }),
    });
    fc.assert(
      fc.property(
        fc.array(workerArb, { minLength: 1, maxLength: 4 }),
        pendingInstancesArb(5, 25),
        strategyArb,
        (shapes, instances, strategy) => {
          let views: WorkerView[] = shapes.map(({ ports, ...declared }, i) =>
            aWorker('running', {
              id: `w-${i}`,
              licenseType: 'ENTERPRISE',
              declared,
              portRange: { start: 3000, end: 3000 + ports - 1 },
            }),
          );
          const placedOn = new Map<string, LabletInstance[]>();
          for (const pending of instances) {
            const instance: LabletInstance = {
              ...pending,
              spec: {
                ...pending.spec,
                licenseAffinity: ['ENTERPRISE'],
                requirements: {
                  ...pending.spec.requirements,
                  amiRequirements: undefined,
                },
              },
            };
            const decision = placeInstance(instance, views, { strategy });
            if (decision.action !== 'assign') continue;
            const view = views.find(
              (v) => v.worker.id === decision.workerId,
            ) as WorkerView;
            const change = scheduleInstance(
              instance,
              view,
              ctx(at(1), 'lcm/scheduler'),
            );
            expect(change.capacity).toEqual(decision.capacity);
            expect(change.instance.allocatedPorts).toEqual(decision.ports);
            const next: WorkerView = {
              worker: view.worker,
              capacity: change.capacity as WorkerCapacityRecord,
              ports: change.ports as WorkerPorts,
            };
            views = views.map((v) => (v === view ? next : v));
            placedOn.set(view.worker.id, [
              ...(placedOn.get(view.worker.id) ?? []),
              instance,
            ]);
          }
          for (const view of views) {
            const held = placedOn.get(view.worker.id) ?? [];
            for (const d of CAPACITY_DIMENSIONS) {
              const sum = held.reduce(
                (n, i) => n + capacityRequestOf(i.spec)[d],
                0,
              );
              expect(view.capacity.allocated[d]).toBe(sum);
              expect(sum).toBeLessThanOrEqual(view.capacity.declared[d]);
            }
            const ports = Object.values(view.ports).flatMap((a) =>
              Object.values(a.ports),
            );
            expect(new Set(ports).size).toBe(ports.length);
            expect(
              ports.every((p) => isPortInRange(p, view.worker.portRange)),
            ).toBe(true);
            expect(ports.length).toBe(
              held.reduce((n, i) => n + i.spec.ports.length, 0),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('binpack and spread differ only in the choice, never in which workers are feasible', () => {
    fc.assert(
      fc.property(caseArb, ([views, instance]) => {
        const binpack = placeInstance(instance, views, { strategy: 'binpack' });
        const spread = placeInstance(instance, views, { strategy: 'spread' });
        expect(spread.action).toBe(binpack.action);
        expect(spread.explanation.removals).toEqual(
          binpack.explanation.removals,
        );
        expect(
          spread.explanation.ranking.map((r) => r.workerId).sort(),
        ).toEqual(binpack.explanation.ranking.map((r) => r.workerId).sort());
      }),
      { numRuns: 60 },
    );
  });
});
