import {
  buildDomainEvents,
  type DomainEvent,
  type EventDraft,
} from '../events/domain-event';
import type { InstanceEventData } from '../events/instance-event-data';
import {
  assertTransitionContext,
  type TransitionContext,
} from '../values/transition-context';
import type { WorkerPorts } from '../values/port-allocation';
import type { WorkerCapacityRecord } from '../values/worker-capacity';
import { isActionApplicable } from './instance-action-rules';
import type { InstanceState } from './instance-state';
import {
  assertInstanceEdge,
  assertInstanceTransition,
} from './instance-transitions';
import type { LabletInstance } from './lablet-instance';

/** The result of every instance transition: the new record, its events, and worker records it touched. */
export interface InstanceChange {
  instance: LabletInstance;
  events: DomainEvent[];
  /** Present only when the change reserved or released capacity on the instance's worker (write it back). */
  capacity?: WorkerCapacityRecord;
  /** Present only when the change allocated or released ports on the instance's worker (write it back). */
  ports?: WorkerPorts;
}

/** The common fields of every instance event, for the change from `previous` to `next`. */
export function instanceEventData(
  previous: LabletInstance | null,
  next: LabletInstance,
  context: TransitionContext,
): InstanceEventData {
  return {
    instanceId: next.id,
    definitionId: next.definitionId,
    definitionVersion: next.definitionVersion,
    previousState: previous?.state ?? null,
    newState: next.state,
    workerId: next.workerId,
    timestamp: context.now,
    triggeredBy: context.triggeredBy,
    ...(context.reason !== undefined ? { reason: context.reason } : {}),
  };
}

export interface InstanceTransitionSpec {
  /** The edge's source state; ignored for forced transitions (any non-terminal state). */
  from: InstanceState;
  to: InstanceState;
  context: TransitionContext;
  /** Field updates besides state, generation, history and timestamps. */
  patch?: Partial<
    Omit<
      LabletInstance,
      'id' | 'schemaVersion' | 'generation' | 'state' | 'stateHistory'
    >
  >;
  /** The events, given the new record and the common event fields. */
  events: (next: LabletInstance, base: InstanceEventData) => EventDraft[];
  forced?: boolean;
  capacity?: WorkerCapacityRecord;
  ports?: WorkerPorts;
}

/**
 * The one place an instance changes state: checks the table, bumps the generation, appends the
 * history entry, drops a request the new state has made moot, and numbers the events.
 */
export function applyInstanceTransition(
  instance: LabletInstance,
  spec: InstanceTransitionSpec,
): InstanceChange {
  const { to, context } = spec;
  assertTransitionContext(context);
  if (spec.forced) {
    assertInstanceTransition(instance.id, instance.state, to, { forced: true });
  } else {
    assertInstanceEdge(instance, spec.from, to);
  }

  const generation = instance.generation + 1;
  const request = instance.requestedAction;
  const next: LabletInstance = {
    ...instance,
    ...spec.patch,
    state: to,
    generation,
    stateHistory: [
      ...instance.stateHistory,
      {
        from: instance.state,
        to,
        at: context.now,
        triggeredBy: context.triggeredBy,
        ...(context.reason !== undefined ? { reason: context.reason } : {}),
      },
    ],
    stateReason: context.reason ?? null,
    requestedAction:
      request && isActionApplicable(request.action, to) ? request : null,
    updatedAt: context.now,
  };
  const drafts = spec.events(next, instanceEventData(instance, next, context));
  const change: InstanceChange = {
    instance: next,
    events: buildDomainEvents(next.id, generation, context.now, drafts),
  };
  if (spec.capacity !== undefined) change.capacity = spec.capacity;
  if (spec.ports !== undefined) change.ports = spec.ports;
  return change;
}
