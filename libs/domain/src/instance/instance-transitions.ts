import { InvalidTransition } from '../errors';
import type { InstanceState } from './instance-state';

/** The state a new instance starts in: (new) -> pending. */
export const INSTANCE_INITIAL_STATE: InstanceState = 'pending';

/**
 * The instance state machine (docs/domain.md#instance-state-machine): from -> allowed targets. `instantiating -> instantiating`
 * is the retry on a draining worker. There is no direct running -> terminated: a delete walks
 * stopping -> stopped -> archived -> terminated.
 */
export const INSTANCE_TRANSITIONS: Readonly<
  Record<InstanceState, readonly InstanceState[]>
> = {
  pending: ['scheduled', 'terminated'],
  scheduled: ['instantiating', 'terminated'],
  instantiating: ['running', 'terminated', 'instantiating'],
  running: ['collecting', 'stopping'],
  collecting: ['grading', 'stopping'],
  grading: ['stopping'],
  stopping: ['stopped'],
  stopped: ['running', 'archived'],
  archived: ['terminated'],
  terminated: [],
};

/**
 * Edges outside the normal machine, taken only by `forceTerminateInstance` for orphans
 * (worker gone) and drain force-stops: every non-terminal state -> terminated.
 */
export const INSTANCE_FORCED_TRANSITIONS: Readonly<
  Record<InstanceState, readonly InstanceState[]>
> = {
  pending: ['terminated'],
  scheduled: ['terminated'],
  instantiating: ['terminated'],
  running: ['terminated'],
  collecting: ['terminated'],
  grading: ['terminated'],
  stopping: ['terminated'],
  stopped: ['terminated'],
  archived: ['terminated'],
  terminated: [],
};

export function canTransitionInstance(
  from: InstanceState,
  to: InstanceState,
): boolean {
  return INSTANCE_TRANSITIONS[from].includes(to);
}

/** Throws InvalidTransition unless `from -> to` is in the table (or the forced table when `forced`). */
export function assertInstanceTransition(
  id: string,
  from: InstanceState,
  to: InstanceState,
  options: { forced?: boolean } = {},
): void {
  const table = options.forced
    ? INSTANCE_FORCED_TRANSITIONS
    : INSTANCE_TRANSITIONS;
  if (!table[from].includes(to)) {
    throw new InvalidTransition({ entity: 'instance', id, from, to });
  }
}

/**
 * Checks one named edge: the instance must be in `from` (an operation is one edge, even when
 * the table lets the target be reached from elsewhere) and `from -> to` must be in the table.
 */
export function assertInstanceEdge(
  instance: { id: string; state: InstanceState },
  from: InstanceState,
  to: InstanceState,
): void {
  if (instance.state !== from) {
    const allowedElsewhere = canTransitionInstance(instance.state, to);
    throw new InvalidTransition({
      entity: 'instance',
      id: instance.id,
      from: instance.state,
      to,
      ...(allowedElsewhere
        ? { guard: `this operation is the ${from} -> ${to} edge` }
        : {}),
    });
  }
  assertInstanceTransition(instance.id, from, to);
}
