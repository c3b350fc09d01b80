import { InvalidTransition, ValidationError } from '../errors';
import { buildDomainEvents, type EventDraft } from '../events/domain-event';
import { EVENT_TYPES } from '../events/event-types';
import type { WorkerCordonChangedData } from '../events/worker-event-data';
import {
  assertTransitionContext,
  type TransitionContext,
} from '../values/transition-context';
import type { Worker, WorkerAction } from './worker';
import {
  WORKER_ACTION_REQUESTABLE_STATES,
  WORKER_ACTION_TARGET_STATE,
} from './worker-action-rules';
import { workerEventData, type WorkerChange } from './worker-change';

const ACTIONS = Object.keys(WORKER_ACTION_REQUESTABLE_STATES) as WorkerAction[];

/**
 * Records an admin request (drain, cancel-drain, stop, start, terminate) for the controller to
 * carry out; no state change, no event. Refused with InvalidTransition when the action makes no
 * sense in the current state (cancel-drain of a worker that is not draining). Asking again for
 * the pending action changes nothing.
 */
export function requestWorkerAction(
  worker: Worker,
  action: WorkerAction,
  context: TransitionContext,
): WorkerChange {
  assertTransitionContext(context);
  if (!ACTIONS.includes(action)) {
    throw new ValidationError('action', `must be one of ${ACTIONS.join(', ')}`);
  }
  if (!WORKER_ACTION_REQUESTABLE_STATES[action].includes(worker.state)) {
    throw new InvalidTransition({
      entity: 'worker',
      id: worker.id,
      from: worker.state,
      to: WORKER_ACTION_TARGET_STATE[action],
      guard: `cannot ${action.replace('_', ' ')} a ${worker.state} worker`,
    });
  }
  if (worker.requestedAction?.action === action) {
    return { worker, events: [] };
  }
  return {
    worker: {
      ...worker,
      requestedAction: {
        action,
        requestedBy: context.triggeredBy,
        requestedAt: context.now,
        ...(context.reason !== undefined ? { reason: context.reason } : {}),
      },
      generation: worker.generation + 1,
      updatedAt: context.now,
    },
    events: [],
  };
}

/**
 * Cordon (true) or uncordon (false): a cordoned worker keeps its instances but takes no new ones.
 * No state change, but an admin decision that changes placement: it emits `lcm.worker.cordoned` or
 * `lcm.worker.uncordoned`, so the audit trail says who took the worker out of placement and when.
 */
export function setWorkerCordoned(
  worker: Worker,
  cordoned: boolean,
  context: TransitionContext,
): WorkerChange {
  assertTransitionContext(context);
  if (worker.cordoned === cordoned) {
    return { worker, events: [] };
  }
  const next: Worker = {
    ...worker,
    cordoned,
    generation: worker.generation + 1,
    updatedAt: context.now,
  };
  const base = {
    ...workerEventData(worker, next, context, 'admin_action'),
    reason: 'admin_action' as const,
  };
  const draft: EventDraft<WorkerCordonChangedData> = cordoned
    ? { type: EVENT_TYPES.workerCordoned, data: { ...base, cordoned } }
    : { type: EVENT_TYPES.workerUncordoned, data: { ...base, cordoned } };
  return {
    worker: next,
    events: buildDomainEvents(next.id, next.generation, context.now, [draft]),
  };
}
