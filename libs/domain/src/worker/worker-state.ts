export type WorkerState =
  | 'pending'
  | 'provisioning'
  | 'running'
  | 'draining'
  | 'stopping'
  | 'stopped'
  | 'terminated'
  | 'failed';

export const WORKER_STATES: readonly WorkerState[] = [
  'pending',
  'provisioning',
  'running',
  'draining',
  'stopping',
  'stopped',
  'terminated',
  'failed',
];

/** A scale-up in flight for its template: no second scale-up while one of these exists. */
export const STARTING_WORKER_STATES: readonly WorkerState[] = [
  'pending',
  'provisioning',
];

export function isWorkerState(value: unknown): value is WorkerState {
  return (
    typeof value === 'string' &&
    (WORKER_STATES as readonly string[]).includes(value)
  );
}

export function isTerminalWorkerState(state: WorkerState): boolean {
  return state === 'terminated';
}

/** Only a running, uncordoned worker takes new instances (a draining one keeps its current ones). */
export function acceptsNewInstances(worker: {
  state: WorkerState;
  cordoned?: boolean;
}): boolean {
  return worker.state === 'running' && worker.cordoned !== true;
}
