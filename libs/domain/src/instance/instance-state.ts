export type InstanceState =
  | 'pending'
  | 'scheduled'
  | 'instantiating'
  | 'running'
  | 'collecting'
  | 'grading'
  | 'stopping'
  | 'stopped'
  | 'archived'
  | 'terminated';

export const INSTANCE_STATES: readonly InstanceState[] = [
  'pending',
  'scheduled',
  'instantiating',
  'running',
  'collecting',
  'grading',
  'stopping',
  'stopped',
  'archived',
  'terminated',
];

export const TERMINAL_INSTANCE_STATES: readonly InstanceState[] = [
  'terminated',
];

/** Scale-down's "active": a user is working in the lab. */
export const ACTIVE_INSTANCE_STATES: readonly InstanceState[] = [
  'running',
  'collecting',
  'grading',
];

/** Scale-down's "pending work": placed and about to start. */
export const PENDING_WORK_INSTANCE_STATES: readonly InstanceState[] = [
  'scheduled',
  'instantiating',
];

/** States in which the instance holds capacity and ports on its worker (placement until release). */
export const RESOURCE_HOLDING_INSTANCE_STATES: readonly InstanceState[] = [
  'scheduled',
  'instantiating',
  'running',
  'collecting',
  'grading',
  'stopping',
  'stopped',
  'archived',
];

export function isInstanceState(value: unknown): value is InstanceState {
  return (
    typeof value === 'string' &&
    (INSTANCE_STATES as readonly string[]).includes(value)
  );
}

export function isTerminalInstanceState(state: InstanceState): boolean {
  return TERMINAL_INSTANCE_STATES.includes(state);
}

export function holdsWorkerResources(state: InstanceState): boolean {
  return RESOURCE_HOLDING_INSTANCE_STATES.includes(state);
}
