import { Conflict } from '../errors';
import { EVENT_TYPES } from '../events/event-types';
import type { InstanceScheduledData } from '../events/instance-event-data';
import type { Worker } from '../worker/worker';
import { acceptsNewInstances } from '../worker/worker-state';
import { licenseRefusal } from '../worker/worker-license';
import {
  applyInstanceTransition,
  type InstanceChange,
} from './instance-change';
import {
  assertTransitionContext,
  type TransitionContext,
} from '../values/transition-context';
import {
  reserveInstanceResources,
  type WorkerResources,
} from './instance-resources';
import { assertInstanceEdge } from './instance-transitions';
import type { LabletInstance } from './lablet-instance';

export interface ScheduleInstanceInput extends WorkerResources {
  /** The chosen worker; only a running, uncordoned worker accepts new instances. */
  worker: Pick<Worker, 'id' | 'state' | 'portRange' | 'cordoned'> &
    Partial<Pick<Worker, 'reportedLicense'>>;
}

/**
 * pending -> scheduled. Reserves the instance's capacity and allocates its ports lowest-free-first
 * in the worker's range, all or nothing; returns the worker's new `capacity` and `ports` records
 * to commit in the same transaction. Throws CapacityExceeded / PortExhausted when it does not fit,
 * and Conflict when the worker no longer accepts instances (the caller's view is stale).
 */
export function scheduleInstance(
  instance: LabletInstance,
  input: ScheduleInstanceInput,
  context: TransitionContext,
): InstanceChange {
  assertTransitionContext(context);
  // Check the edge before the worker, so a non-pending instance reports InvalidTransition.
  assertInstanceEdge(instance, 'pending', 'scheduled');
  const { worker } = input;
  if (!acceptsNewInstances(worker)) {
    throw new Conflict(
      'worker',
      worker.id,
      worker.cordoned
        ? 'is cordoned and accepts no new instances'
        : worker.state === 'running'
          ? `reports ${licenseRefusal(worker)}; it accepts no new instances`
          : `is ${worker.state}; only running workers accept new instances`,
    );
  }
  const reserved = reserveInstanceResources({
    instance,
    workerId: worker.id,
    portRange: worker.portRange,
    resources: input,
    now: context.now,
  });
  return applyInstanceTransition(instance, {
    from: 'pending',
    to: 'scheduled',
    context,
    patch: {
      workerId: worker.id,
      allocatedPorts: reserved.allocatedPorts,
      scheduledAt: context.now,
      pendingReason: null,
    },
    capacity: reserved.capacity,
    ports: reserved.ports,
    events: (_next, base) => {
      const data: InstanceScheduledData = {
        ...base,
        workerId: worker.id,
        allocatedPorts: reserved.allocatedPorts,
      };
      return [{ type: EVENT_TYPES.instanceScheduled, data }];
    },
  });
}

/**
 * Records the scheduler's explanation for an unplaced instance (docs/scheduling.md#outcomes-and-explanations). No state change and
 * no event. Returns the same object when the reason is unchanged, so the caller can skip the write.
 */
export function setPendingReason(
  instance: LabletInstance,
  reason: string,
  context: TransitionContext,
): InstanceChange {
  assertTransitionContext(context);
  if (instance.state !== 'pending') {
    throw new Conflict(
      'instance',
      instance.id,
      `is ${instance.state}, not pending; it has no pending reason`,
    );
  }
  if (instance.pendingReason === reason) {
    return { instance, events: [] };
  }
  return {
    instance: {
      ...instance,
      pendingReason: reason,
      generation: instance.generation + 1,
      updatedAt: context.now,
    },
    events: [],
  };
}
