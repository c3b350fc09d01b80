import {
  buildDomainEvents,
  type DomainEvent,
  type EventDraft,
} from '../events/domain-event';
import type {
  ScalingEventData,
  WorkerEventData,
} from '../events/worker-event-data';
import {
  assertTransitionContext,
  type TransitionContext,
} from '../values/transition-context';
import type { WorkerPorts } from '../values/port-allocation';
import type { WorkerCapacityRecord } from '../values/worker-capacity';
import type { Worker } from './worker';
import { WORKER_ACTION_PENDING_STATES } from './worker-action-rules';
import type { WorkerState } from './worker-state';
import { assertWorkerEdge } from './worker-transitions';

/** The result of every worker transition: the new record and its events (plus new resource records at creation). */
export interface WorkerChange {
  worker: Worker;
  events: DomainEvent[];
  /** Present when the change creates the worker's `/capacity` record, or moves its node capacity (a licence report). */
  capacity?: WorkerCapacityRecord;
  /** Present only when the change creates the worker's `/ports` record. */
  ports?: WorkerPorts;
}

/** The common fields of every worker event. */
export function workerEventData(
  previous: Worker | null,
  next: Worker,
  context: TransitionContext,
  defaultReason: string,
): WorkerEventData {
  return {
    workerId: next.id,
    templateName: next.templateName,
    previousState: previous?.state ?? null,
    newState: next.state,
    timestamp: context.now,
    triggeredBy: context.triggeredBy,
    reason: context.reason ?? defaultReason,
  };
}

export function scalingEventData(
  worker: Worker,
  base: WorkerEventData,
): ScalingEventData & { workerId: string } {
  return {
    template: worker.templateName,
    reason: base.reason,
    workerId: worker.id,
    timestamp: base.timestamp,
  };
}

export interface WorkerTransitionSpec {
  from: WorkerState | readonly WorkerState[];
  to: WorkerState;
  context: TransitionContext;
  /** The event reason when the context gives none. */
  defaultReason: string;
  patch?: Partial<
    Omit<
      Worker,
      'id' | 'schemaVersion' | 'generation' | 'state' | 'stateHistory'
    >
  >;
  events: (next: Worker, base: WorkerEventData) => EventDraft[];
}

/**
 * The one place a worker changes state: checks the edge against the table, bumps the
 * generation, appends history, drops a request that is done or moot, and numbers the events.
 */
export function applyWorkerTransition(
  worker: Worker,
  spec: WorkerTransitionSpec,
): WorkerChange {
  const { to, context } = spec;
  assertTransitionContext(context);
  assertWorkerEdge(worker, spec.from, to);

  const generation = worker.generation + 1;
  const reason = context.reason ?? spec.defaultReason;
  const request = worker.requestedAction;
  const next: Worker = {
    ...worker,
    ...spec.patch,
    state: to,
    generation,
    stateHistory: [
      ...worker.stateHistory,
      {
        from: worker.state,
        to,
        at: context.now,
        triggeredBy: context.triggeredBy,
        reason,
      },
    ],
    stateReason: reason,
    requestedAction:
      request && WORKER_ACTION_PENDING_STATES[request.action].includes(to)
        ? request
        : null,
    updatedAt: context.now,
  };
  const drafts = spec.events(
    next,
    workerEventData(worker, next, context, spec.defaultReason),
  );
  return {
    worker: next,
    events: buildDomainEvents(next.id, generation, context.now, drafts),
  };
}
