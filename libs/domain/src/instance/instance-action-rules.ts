import type { InstanceAction } from './lablet-instance';
import type { InstanceState } from './instance-state';

/**
 * The states in which each requested action still has work to do. A request is accepted only
 * in these states and dropped by the first transition that leaves them (it is done, or moot).
 */
export const INSTANCE_ACTION_APPLICABLE_STATES: Readonly<
  Record<InstanceAction, readonly InstanceState[]>
> = {
  stop: ['running', 'collecting', 'grading', 'stopping'],
  delete: [
    'pending',
    'scheduled',
    'instantiating',
    'running',
    'collecting',
    'grading',
    'stopping',
    'stopped',
    'archived',
  ],
  start: ['stopped'],
  collect: ['running'],
};

/** The state each action leads to, for error messages and callers that wait for it. */
export const INSTANCE_ACTION_TARGET_STATE: Readonly<
  Record<InstanceAction, InstanceState>
> = {
  stop: 'stopped',
  delete: 'terminated',
  start: 'running',
  collect: 'collecting',
};

export function isActionApplicable(
  action: InstanceAction,
  state: InstanceState,
): boolean {
  return INSTANCE_ACTION_APPLICABLE_STATES[action].includes(state);
}
