import { InvalidTransition, ValidationError } from '../errors';
import type { InstanceChange } from './instance-change';
import {
  assertTransitionContext,
  type TransitionContext,
} from '../values/transition-context';
import {
  INSTANCE_ACTION_TARGET_STATE,
  isActionApplicable,
} from './instance-action-rules';
import type { InstanceAction, LabletInstance } from './lablet-instance';

const ACTIONS: readonly InstanceAction[] = [
  'stop',
  'delete',
  'start',
  'collect',
];

/**
 * Records what a user asked for (the api's write); the controller carries it out through the
 * transitions, and the transition that makes it done or moot clears it. No state change, no
 * event. Refused with InvalidTransition when the action makes no sense in the current state
 * (e.g. `start` on a running instance). Asking again for the pending action changes nothing.
 */
export function requestInstanceAction(
  instance: LabletInstance,
  action: InstanceAction,
  context: TransitionContext,
): InstanceChange {
  assertTransitionContext(context);
  if (!ACTIONS.includes(action)) {
    throw new ValidationError('action', `must be one of ${ACTIONS.join(', ')}`);
  }
  if (!isActionApplicable(action, instance.state)) {
    throw new InvalidTransition({
      entity: 'instance',
      id: instance.id,
      from: instance.state,
      to: INSTANCE_ACTION_TARGET_STATE[action],
      guard: `cannot ${action} a ${instance.state} instance`,
    });
  }
  if (instance.requestedAction?.action === action) {
    return { instance, events: [] };
  }
  return {
    instance: {
      ...instance,
      requestedAction: {
        action,
        requestedBy: context.triggeredBy,
        requestedAt: context.now,
        ...(context.reason !== undefined ? { reason: context.reason } : {}),
      },
      generation: instance.generation + 1,
      updatedAt: context.now,
    },
    events: [],
  };
}
