import { InvalidTransition } from '../errors';
import type { WorkerState } from './worker-state';

/** The state a new worker starts in: (new) -> pending. */
export const WORKER_INITIAL_STATE: WorkerState = 'pending';

/**
 * The worker state machine (docs/domain.md#worker-state-machine plus docs/domain.md#worker-state-machine's `failed`): from -> allowed targets.
 * A restart goes stopped -> pending -> provisioning -> running. Every live state may go to
 * terminated, because the cloud can report a worker terminated (or gone) at any time.
 */
export const WORKER_TRANSITIONS: Readonly<
  Record<WorkerState, readonly WorkerState[]>
> = {
  pending: ['provisioning', 'failed', 'terminated'],
  provisioning: ['running', 'failed', 'terminated'],
  running: ['draining', 'stopping', 'terminated'],
  draining: ['running', 'stopping', 'terminated'],
  stopping: ['stopped', 'terminated'],
  stopped: ['pending', 'terminated'],
  failed: ['terminated'],
  terminated: [],
};

export function canTransitionWorker(
  from: WorkerState,
  to: WorkerState,
): boolean {
  return WORKER_TRANSITIONS[from].includes(to);
}

/** Throws InvalidTransition unless `from -> to` is in the table. */
export function assertWorkerTransition(
  id: string,
  from: WorkerState,
  to: WorkerState,
): void {
  if (!canTransitionWorker(from, to)) {
    throw new InvalidTransition({ entity: 'worker', id, from, to });
  }
}

/** Checks one named edge: the worker is in one of `from`, and the edge is in the table. */
export function assertWorkerEdge(
  worker: { id: string; state: WorkerState },
  from: WorkerState | readonly WorkerState[],
  to: WorkerState,
): void {
  const sources: readonly WorkerState[] =
    typeof from === 'string' ? [from] : from;
  if (!sources.includes(worker.state)) {
    const allowedElsewhere = canTransitionWorker(worker.state, to);
    throw new InvalidTransition({
      entity: 'worker',
      id: worker.id,
      from: worker.state,
      to,
      ...(allowedElsewhere
        ? { guard: `this operation is the ${sources.join('|')} -> ${to} edge` }
        : {}),
    });
  }
  assertWorkerTransition(worker.id, worker.state, to);
}
