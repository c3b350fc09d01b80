import { licenseRefusal, type ReportedLicense } from './worker-license';

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

/**
 * Only a running, uncordoned worker whose engine's licence lets it run labs takes new instances (a
 * draining one keeps its current ones; so does one whose licence lapsed).
 */
export function acceptsNewInstances(worker: {
  state: WorkerState;
  cordoned?: boolean;
  reportedLicense?: Pick<ReportedLicense, 'status'> | null;
}): boolean {
  return (
    worker.state === 'running' &&
    worker.cordoned !== true &&
    licenseRefusal(worker) === null
  );
}
