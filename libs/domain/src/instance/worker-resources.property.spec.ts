import fc from 'fast-check';
import {
  aPendingInstance,
  aSpec,
  aWorkerIn,
  at,
  ctx,
} from '../../test/domain-fixtures';
import { CapacityExceeded, InvalidTransition, PortExhausted } from '../errors';
import { isPortInRange, type WorkerPorts } from '../values/port-allocation';
import {
  addCapacity,
  CAPACITY_DIMENSIONS,
  ZERO_CAPACITY,
  type WorkerCapacityRecord,
} from '../values/worker-capacity';
import type { InstanceChange } from './instance-change';
import { capacityRequestOf, type InstanceSpec } from './instance-spec';
import { holdsWorkerResources } from './instance-state';
import {
  failInstantiation,
  forceTerminateInstance,
  terminatePendingInstance,
  terminateScheduledInstance,
} from './terminate-instance';
import { startInstantiation } from './instantiation';
import { scheduleInstance } from './schedule-instance';
import type { LabletInstance } from './lablet-instance';

const specArb: fc.Arbitrary<InstanceSpec> = fc
  .record({
    cpuCores: fc.integer({ min: 1, max: 16 }),
    memoryGb: fc.integer({ min: 1, max: 64 }),
    storageGb: fc.integer({ min: 1, max: 200 }),
    nodeCount: fc.integer({ min: 1, max: 8 }),
    portCount: fc.integer({ min: 0, max: 4 }),
  })
  .map(({ cpuCores, memoryGb, storageGb, nodeCount, portCount }) =>
    aSpec({
      requirements: { cpuCores, memoryGb, storageGb, nestedVirt: true },
      nodeCount,
      ports: Array.from({ length: portCount }, (_, i) => ({
        name: `p_${i}`,
        protocol: 'tcp' as const,
      })),
    }),
  );

const opArb = fc.record({
  kind: fc.constantFrom(
    'schedule',
    'schedule',
    'terminate',
    'instantiate',
    'fail',
    'force',
  ),
  target: fc.nat(),
});

describe('capacity and ports on one worker under random schedule/terminate sequences', () => {
  it('keep allocated capacity within [0, declared], equal to what placed instances hold, and ports unique and in range', () => {
    fc.assert(
      fc.property(
        fc.array(specArb, { minLength: 1, maxLength: 8 }),
        fc.array(opArb, { maxLength: 50 }),
        fc.integer({ min: 0, max: 12 }),
        (specs, ops, extraPorts) => {
          const portRange = { start: 3000, end: 3000 + extraPorts };
          const fixture = aWorkerIn('running', {
            portRange,
            declaredCapacity: {
              cpuCores: 24,
              memoryGb: 96,
              storageGb: 400,
              maxNodes: 20,
            },
          });
          const worker = fixture.worker;
          let capacity: WorkerCapacityRecord = fixture.capacity;
          let ports: WorkerPorts = fixture.ports;
          const instances: LabletInstance[] = specs.map((spec, i) =>
            aPendingInstance({ id: `i-${i}`, spec }),
          );

          ops.forEach((op, step) => {
            const index = op.target % instances.length;
            const instance = instances[index];
            const context = ctx(at(step + 1), 'test', 'because');
            let change: InstanceChange;
            try {
              switch (op.kind) {
                case 'schedule':
                  change = scheduleInstance(
                    instance,
                    { worker, capacity, ports },
                    context,
                  );
                  break;
                case 'instantiate':
                  change = startInstantiation(instance, context);
                  break;
                case 'fail':
                  change = failInstantiation(
                    instance,
                    { capacity, ports },
                    context,
                  );
                  break;
                case 'force':
                  change = forceTerminateInstance(
                    instance,
                    { capacity, ports },
                    context,
                  );
                  break;
                default:
                  change =
                    instance.state === 'pending'
                      ? terminatePendingInstance(instance, context)
                      : terminateScheduledInstance(
                          instance,
                          { capacity, ports },
                          context,
                        );
              }
            } catch (error) {
              if (
                error instanceof InvalidTransition ||
                error instanceof CapacityExceeded ||
                error instanceof PortExhausted
              ) {
                return;
              }
              throw error;
            }
            instances[index] = change.instance;
            capacity = change.capacity ?? capacity;
            ports = change.ports ?? ports;

            // Capacity: never negative, never above declared, and exactly the sum of what holders took.
            const holders = instances.filter((i) =>
              holdsWorkerResources(i.state),
            );
            const expected = holders.reduce(
              (sum, i) => addCapacity(sum, capacityRequestOf(i.spec)),
              { ...ZERO_CAPACITY },
            );
            for (const d of CAPACITY_DIMENSIONS) {
              expect(capacity.allocated[d]).toBeGreaterThanOrEqual(0);
              expect(capacity.allocated[d]).toBeLessThanOrEqual(
                capacity.declared[d],
              );
            }
            expect(capacity.allocated).toEqual(expected);

            // Ports: the ledger lists exactly the holders; no port twice; every port in range.
            expect(Object.keys(ports).sort()).toEqual(
              holders.map((i) => i.id).sort(),
            );
            const all = Object.values(ports).flatMap((a) =>
              Object.values(a.ports),
            );
            expect(new Set(all).size).toBe(all.length);
            for (const port of all)
              expect(isPortInRange(port, portRange)).toBe(true);
            for (const holder of holders)
              expect(ports[holder.id].ports).toEqual(holder.allocatedPorts);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
