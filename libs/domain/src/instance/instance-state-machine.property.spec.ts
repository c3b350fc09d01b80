import fc from 'fast-check';
import {
  A_SCORE,
  aPendingInstance,
  aWorkerIn,
  at,
  ctx,
} from '../../test/domain-fixtures';
import { CapacityExceeded, InvalidTransition, PortExhausted } from '../errors';
import type { WorkerPorts } from '../values/port-allocation';
import {
  ZERO_CAPACITY,
  type WorkerCapacityRecord,
} from '../values/worker-capacity';
import {
  abandonCollection,
  completeGrading,
  startCollection,
  startGrading,
} from './assessment';
import type { InstanceChange } from './instance-change';
import { requestInstanceAction } from './instance-requests';
import { capacityRequestOf } from './instance-spec';
import {
  holdsWorkerResources,
  INSTANCE_STATES,
  type InstanceState,
} from './instance-state';
import {
  INSTANCE_FORCED_TRANSITIONS,
  INSTANCE_TRANSITIONS,
} from './instance-transitions';
import { retryInstantiation, startInstantiation } from './instantiation';
import type { InstanceAction, LabletInstance } from './lablet-instance';
import { markInstanceRunning, restartInstance } from './run-instance';
import { scheduleInstance } from './schedule-instance';
import {
  archiveInstance,
  markInstanceStopped,
  stopInstance,
} from './stop-and-archive';
import {
  failInstantiation,
  forceTerminateInstance,
  terminateArchivedInstance,
  terminatePendingInstance,
  terminateScheduledInstance,
} from './terminate-instance';

interface World {
  instance: LabletInstance;
  capacity: WorkerCapacityRecord;
  ports: WorkerPorts;
}

type Operation = {
  name: string;
  forced?: boolean;
  apply: (w: World, now: string) => InstanceChange;
};

const ACTIONS: InstanceAction[] = ['stop', 'delete', 'start', 'collect'];

function operations(
  worker: ReturnType<typeof aWorkerIn>['worker'],
): Operation[] {
  const res = (w: World) => ({ capacity: w.capacity, ports: w.ports });
  return [
    {
      name: 'schedule',
      apply: (w, now) =>
        scheduleInstance(
          w.instance,
          { worker, ...res(w) },
          ctx(now, 'lcm/scheduler'),
        ),
    },
    {
      name: 'startInstantiation',
      apply: (w, now) => startInstantiation(w.instance, ctx(now)),
    },
    {
      name: 'retryInstantiation',
      apply: (w, now) =>
        retryInstantiation(w.instance, ctx(now, 'c', 'import_failed')),
    },
    {
      name: 'markRunning',
      apply: (w, now) =>
        markInstanceRunning(
          w.instance,
          { cmlLabId: 'lab', workerHostname: 'h' },
          ctx(now),
        ),
    },
    {
      name: 'failInstantiation',
      apply: (w, now) =>
        failInstantiation(w.instance, res(w), ctx(now, 'c', 'failed')),
    },
    {
      name: 'startCollection',
      apply: (w, now) =>
        startCollection(w.instance, { collectionReason: 'manual' }, ctx(now)),
    },
    { name: 'stop', apply: (w, now) => stopInstance(w.instance, ctx(now)) },
    {
      name: 'startGrading',
      apply: (w, now) => startGrading(w.instance, {}, ctx(now)),
    },
    {
      name: 'abandonCollection',
      apply: (w, now) =>
        abandonCollection(w.instance, ctx(now, 'c', 'collection_failed')),
    },
    {
      name: 'completeGrading',
      apply: (w, now) =>
        completeGrading(w.instance, { score: A_SCORE }, ctx(now)),
    },
    {
      name: 'markStopped',
      apply: (w, now) => markInstanceStopped(w.instance, ctx(now)),
    },
    {
      name: 'restart',
      apply: (w, now) =>
        restartInstance(w.instance, { workerHostname: 'h' }, ctx(now)),
    },
    {
      name: 'archive',
      apply: (w, now) => archiveInstance(w.instance, ctx(now)),
    },
    {
      name: 'terminatePending',
      apply: (w, now) => terminatePendingInstance(w.instance, ctx(now)),
    },
    {
      name: 'terminateScheduled',
      apply: (w, now) =>
        terminateScheduledInstance(w.instance, res(w), ctx(now)),
    },
    {
      name: 'terminateArchived',
      apply: (w, now) =>
        terminateArchivedInstance(w.instance, res(w), ctx(now)),
    },
    {
      name: 'forceTerminate',
      forced: true,
      apply: (w, now) =>
        forceTerminateInstance(w.instance, res(w), ctx(now, 'c', 'orphan')),
    },
    ...ACTIONS.map(
      (action): Operation => ({
        name: `request:${action}`,
        apply: (w, now) => requestInstanceAction(w.instance, action, ctx(now)),
      }),
    ),
  ];
}

describe('the instance state machine under random operation sequences', () => {
  const { worker, capacity, ports } = aWorkerIn('running');
  const ops = operations(worker);

  it('never leaves the machine: every state is known and every step is an edge of the table', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: ops.length - 1 }), {
          maxLength: 60,
        }),
        (picks) => {
          let world: World = { instance: aPendingInstance(), capacity, ports };
          const seenIds = new Set(['i-1:0:0']); // the creation event
          let transitions = 0;
          picks.forEach((pick, step) => {
            const op = ops[pick];
            const before = world.instance;
            let change: InstanceChange;
            try {
              change = op.apply(world, at(step + 1));
            } catch (error) {
              // Refused steps are fine; any other failure is a bug.
              if (
                error instanceof InvalidTransition ||
                error instanceof CapacityExceeded ||
                error instanceof PortExhausted
              )
                return;
              throw error;
            }
            const after = change.instance;
            expect(INSTANCE_STATES).toContain(after.state);
            if (change.instance === before) return; // an idempotent no-op request
            expect(after.generation).toBe(before.generation + 1);
            if (!op.name.startsWith('request:')) {
              transitions++;
              const table = op.forced
                ? INSTANCE_FORCED_TRANSITIONS
                : INSTANCE_TRANSITIONS;
              expect(table[before.state]).toContain(after.state);
              expect(after.stateHistory).toHaveLength(transitions + 1);
              expect(
                after.stateHistory[after.stateHistory.length - 1],
              ).toMatchObject({ from: before.state, to: after.state });
            } else {
              expect(after.state).toBe(before.state);
            }
            for (const event of change.events) {
              expect(seenIds.has(event.id)).toBe(false);
              seenIds.add(event.id);
              expect(event.subject).toBe('i-1');
            }
            world = {
              instance: after,
              capacity: change.capacity ?? world.capacity,
              ports: change.ports ?? world.ports,
            };
            // Resources are held exactly from placement to termination.
            const holding = holdsWorkerResources(after.state);
            expect(Object.keys(world.ports)).toEqual(holding ? ['i-1'] : []);
            expect(world.capacity.allocated).toEqual(
              holding ? capacityRequestOf(after.spec) : ZERO_CAPACITY,
            );
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lets random walks along allowed normal edges reach every state', () => {
    const normalEdges = ops.filter(
      (op) => !op.forced && !op.name.startsWith('request:'),
    );
    const reached = new Set<InstanceState>();
    fc.assert(
      fc.property(
        fc.array(fc.noBias(fc.integer({ min: 0, max: 9999 })), {
          minLength: 10,
          maxLength: 40,
        }),
        (picks) => {
          let world: World = { instance: aPendingInstance(), capacity, ports };
          reached.add(world.instance.state);
          picks.forEach((pick, step) => {
            // Of the normal edges the current state allows, take the picked one.
            const allowed: InstanceChange[] = [];
            for (const op of normalEdges) {
              try {
                allowed.push(op.apply(world, at(step + 1)));
              } catch {
                // refused
              }
            }
            if (allowed.length === 0) return;
            const change = allowed[pick % allowed.length];
            world = {
              instance: change.instance,
              capacity: change.capacity ?? world.capacity,
              ports: change.ports ?? world.ports,
            };
            reached.add(world.instance.state);
          });
        },
      ),
      { numRuns: 300, seed: 42 },
    );
    expect([...reached].sort()).toEqual([...INSTANCE_STATES].sort());
  });
});
