import fc from 'fast-check';
import {
  LicenseType,
  scheduleInstance,
  WorkerPorts,
  WorkerState,
} from '@lcm/domain';
import {
  aPendingInstance,
  aSpec,
  aTemplate,
  aWorker,
  ctx,
  T0,
} from '../../test/scheduling-fixtures';
import type { PlacementStrategy } from '../plugins/scorers/strategy';
import { CachedPlacer } from './cached-placer';
import { placeInstance } from './place-instance';
import type { WorkerView } from './worker-view';

const LICENSES: LicenseType[] = ['PERSONAL', 'ENTERPRISE', 'EVALUATION'];
const STATES: WorkerState[] = [
  'running',
  'running',
  'running',
  'draining',
  'pending',
  'provisioning',
  'stopped',
];
// Few distinct sizes, loads and creation times, so equal scores are common and every tie-break
// (fewest free ports, oldest, smallest id) decides some placements.
const CREATED = [
  '2026-11-01T00:00:00.000Z',
  '2026-11-02T00:00:00.000Z',
  '2026-11-02T00:00:00Z',
];

const workerArb = fc.record({
  state: fc.constantFrom(...STATES),
  cordoned: fc.boolean(),
  licenseType: fc.constantFrom(...LICENSES),
  amiName: fc.constantFrom('CML-2.9.1', 'CML-2.8.0', null),
  createdAt: fc.constantFrom(...CREATED),
  cpu: fc.constantFrom(16, 16, 8),
  memory: fc.constantFrom(32, 32, 16),
  usedCpu: fc.constantFrom(0, 0, 2),
  nodes: fc.constantFrom(8, 8, 4),
  ports: fc.constantFrom(6, 6, 2),
  held: fc.integer({ min: 0, max: 2 }),
  /** A stale ledger: the worker already holds ports for the first request. */
  holdsFirst: fc.boolean(),
});

// Few shapes, so later requests reuse what was cached for earlier ones.
const requestArb = fc.record({
  cpu: fc.constantFrom(1, 2, 6),
  memory: fc.constantFrom(1, 12),
  nodes: fc.constantFrom(1, 3),
  ports: fc.constantFrom(0, 2),
  licenses: fc.constantFrom<LicenseType[]>(
    ['PERSONAL'],
    ['PERSONAL', 'ENTERPRISE'],
    ['EVALUATION'],
  ),
  ami: fc.constantFrom(undefined, '2.9.0'),
});

type WorkerSample = typeof workerArb extends fc.Arbitrary<infer T> ? T : never;
type RequestSample =
  typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function toView(w: WorkerSample, i: number): WorkerView {
  const running = aWorker('running', {
    id: `w${i % 4}-${i}`,
    licenseType: w.licenseType,
    declared: {
      cpuCores: w.cpu,
      memoryGb: w.memory,
      storageGb: 100,
      maxNodes: w.nodes,
    },
    portRange: { start: 3000, end: 3000 + w.ports },
  });
  const ports: WorkerPorts = {};
  for (let p = 0; p < Math.min(w.held, w.ports); p++) {
    const holder = p === 0 && w.holdsFirst ? 'i0' : `other-${p}`;
    ports[holder] = {
      instanceId: holder,
      ports: { p: 3000 + p * 2 },
      allocatedAt: CREATED[0],
    };
  }
  const capacity = running.capacity;
  return {
    worker: {
      ...running.worker,
      state: w.state,
      cordoned: w.cordoned,
      amiName: w.amiName,
      createdAt: w.createdAt,
    },
    capacity: {
      declared: capacity.declared,
      allocated: {
        ...capacity.allocated,
        cpuCores: Math.min(w.usedCpu, w.cpu),
      },
    },
    ports,
  };
}

function toRequest(r: RequestSample, n: number) {
  const instance = aPendingInstance({
    id: `i${n}`,
    spec: aSpec({
      cpuCores: r.cpu,
      memoryGb: r.memory,
      storageGb: 1,
      nodeCount: r.nodes,
      portCount: r.ports,
      licenseAffinity: r.licenses,
    }),
  });
  if (r.ami)
    instance.spec.requirements.amiRequirements = [{ minVersion: r.ami }];
  return instance;
}

describe('CachedPlacer', () => {
  it.each<PlacementStrategy>(['binpack', 'spread'])(
    'picks exactly the worker placeInstance picks (%s), placement after placement',
    (strategy) => {
      fc.assert(
        fc.property(
          fc.array(workerArb, { minLength: 0, maxLength: 10 }),
          fc.array(requestArb, { minLength: 1, maxLength: 12 }),
          (workers, requests) => {
            const placer = new CachedPlacer(strategy);
            let views = workers.map((w, i) => toView(w, i));
            requests.forEach((r, n) => {
              const instance = toRequest(r, n);
              const expected = placeInstance(instance, views, { strategy });
              const chosen = placer.bestWorker(instance, views);
              expect(chosen?.worker.id).toBe(
                expected.action === 'assign' ? expected.workerId : undefined,
              );
              if (!chosen) {
                expect(placer.decide(instance, views)).toEqual(expected);
                return;
              }
              // Reserve as the scheduler does: the worker's view is replaced by a new object.
              const change = scheduleInstance(
                instance,
                chosen,
                ctx(T0, 'lcm/scheduler'),
              );
              views = views.map((v) =>
                v === chosen
                  ? {
                      worker: v.worker,
                      capacity: change.capacity ?? v.capacity,
                      ports: change.ports ?? v.ports,
                    }
                  : v,
              );
            });
          },
        ),
        { numRuns: 500 },
      );
    },
  );

  it.each<PlacementStrategy>(['binpack', 'spread'])(
    'decides as placeInstance does with scale-up templates: the same worker, or the same wait / scale_up decision word for word (%s)',
    (strategy) => {
      const templates = [
        aTemplate(),
        aTemplate({ name: 'enterprise-large', licenseType: 'ENTERPRISE' }),
      ];
      fc.assert(
        fc.property(
          fc.array(workerArb, { minLength: 0, maxLength: 8 }),
          requestArb,
          (workers, r) => {
            const views = workers.map((w, i) => toView(w, i));
            const instance = toRequest(r, 0);
            const options = { scaleUp: { templates, region: 'eu-west-1' } };
            const expected = placeInstance(instance, views, {
              ...options,
              strategy,
            });
            const decision = new CachedPlacer(strategy).decide(
              instance,
              views,
              options,
            );
            if (expected.action === 'assign')
              expect(decision).toEqual({
                action: 'assign',
                instanceId: instance.id,
                workerId: expected.workerId,
              });
            else expect(decision).toEqual(expected);
          },
        ),
        { numRuns: 300 },
      );
    },
  );

  it('answers from its cache exactly as a fresh placer does, whatever order the workers are listed in', () => {
    fc.assert(
      fc.property(
        fc.array(workerArb, { minLength: 1, maxLength: 10 }),
        fc.array(requestArb, { minLength: 1, maxLength: 6 }),
        fc.context(),
        (workers, requests, log) => {
          const views = workers.map((w, i) => toView(w, i));
          const reversed = [...views].reverse();
          const warm = new CachedPlacer('binpack');
          requests.forEach((r, n) => {
            const instance = toRequest(r, n);
            const first = warm.bestWorker(instance, views)?.worker.id;
            log.log(`request ${n}: ${String(first)}`);
            expect(warm.bestWorker(instance, reversed)?.worker.id).toBe(first);
            expect(
              new CachedPlacer('binpack').bestWorker(instance, reversed)?.worker
                .id,
            ).toBe(first);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
