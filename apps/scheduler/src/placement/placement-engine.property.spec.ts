import fc from 'fast-check';
import { LicenseType, scheduleInstance, WorkerPorts, WorkerState } from '@lcm/domain';
import { placeInstance, PlacementStrategy, WorkerView } from '@lcm/scheduling';
import { aPendingInstance, aRunningWorker, aSpec, ctx } from '../../test/scheduler-fixtures';
import { PlacementEngine } from './placement-engine';

const LICENSES: LicenseType[] = ['PERSONAL', 'ENTERPRISE', 'EVALUATION'];
const STATES: WorkerState[] = ['running', 'running', 'running', 'draining', 'pending', 'provisioning', 'stopped'];
// Few distinct sizes, loads and creation times, so equal scores are common and every tie-break
// (fewest free ports, oldest, smallest id) decides some placements.
const CREATED = ['2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z', '2026-11-02T00:00:00Z'];

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
  licenses: fc.constantFrom<LicenseType[]>(['PERSONAL'], ['PERSONAL', 'ENTERPRISE'], ['EVALUATION']),
  ami: fc.constantFrom(undefined, '2.9.0'),
});

type WorkerSample = typeof workerArb extends fc.Arbitrary<infer T> ? T : never;

function toView(w: WorkerSample, i: number): WorkerView {
  const { created, running } = aRunningWorker(`w${i % 4}-${i}`, { licenseType: w.licenseType, capacity: { cpuCores: w.cpu, memoryGb: w.memory, storageGb: 100, maxNodes: w.nodes }, portRange: { start: 3000, end: 3000 + w.ports } });
  const ports: WorkerPorts = {};
  for (let p = 0; p < Math.min(w.held, w.ports); p++) {
    const holder = p === 0 && w.holdsFirst ? 'i0' : `other-${p}`;
    ports[holder] = { instanceId: holder, ports: { p: 3000 + p * 2 }, allocatedAt: CREATED[0] };
  }
  const capacity = created.capacity;
  if (!capacity) throw new Error('no capacity');
  return {
    worker: { ...running.worker, state: w.state, cordoned: w.cordoned, amiName: w.amiName, createdAt: w.createdAt },
    capacity: { declared: capacity.declared, allocated: { ...capacity.allocated, cpuCores: Math.min(w.usedCpu, w.cpu) } },
    ports,
  };
}

describe('PlacementEngine', () => {
  it.each<PlacementStrategy>(['binpack', 'spread'])('picks exactly the worker placeInstance picks (%s), placement after placement', (strategy) => {
    fc.assert(
      fc.property(fc.array(workerArb, { minLength: 0, maxLength: 10 }), fc.array(requestArb, { minLength: 1, maxLength: 12 }), (workers, requests) => {
        const engine = new PlacementEngine(strategy);
        let views = workers.map((w, i) => toView(w, i));
        requests.forEach((r, n) => {
          const instance = aPendingInstance(`i${n}`, {
            spec: aSpec({ cpuCores: r.cpu, memoryGb: r.memory, storageGb: 1, nodeCount: r.nodes, portCount: r.ports, licenseAffinity: r.licenses }),
          }).instance;
          if (r.ami) instance.spec.requirements.amiRequirements = [{ minVersion: r.ami }];
          const expected = placeInstance(instance, views, { strategy });
          const chosen = engine.bestWorker(instance, views);
          expect(chosen?.worker.id).toBe(expected.action === 'assign' ? expected.workerId : undefined);
          if (!chosen) {
            expect(engine.decide(instance, views)).toEqual(expected);
            return;
          }
          // Reserve as the scheduler does: the worker's view is replaced by a new object.
          const change = scheduleInstance(instance, chosen, ctx('lcm/scheduler'));
          views = views.map((v) => (v === chosen ? { worker: v.worker, capacity: change.capacity ?? v.capacity, ports: change.ports ?? v.ports } : v));
        });
      }),
      { numRuns: 500 },
    );
  });
});
