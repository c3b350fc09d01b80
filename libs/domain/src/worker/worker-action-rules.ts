import type { WorkerAction } from './worker';
import type { WorkerState } from './worker-state';

/** Where each action may be requested. */
export const WORKER_ACTION_REQUESTABLE_STATES: Readonly<
  Record<WorkerAction, readonly WorkerState[]>
> = {
  drain: ['running'],
  cancel_drain: ['draining'],
  stop: ['running', 'draining'],
  start: ['stopped'],
  terminate: [
    'pending',
    'provisioning',
    'running',
    'draining',
    'stopping',
    'stopped',
    'failed',
  ],
};

/** Where a request still has work to do: requestable states plus the ones on the way to its target. */
export const WORKER_ACTION_PENDING_STATES: Readonly<
  Record<WorkerAction, readonly WorkerState[]>
> = {
  drain: ['running'],
  cancel_drain: ['draining'],
  stop: ['running', 'draining', 'stopping'],
  start: ['stopped', 'pending', 'provisioning'],
  terminate: [
    'pending',
    'provisioning',
    'running',
    'draining',
    'stopping',
    'stopped',
    'failed',
  ],
};

export const WORKER_ACTION_TARGET_STATE: Readonly<
  Record<WorkerAction, WorkerState>
> = {
  drain: 'draining',
  cancel_drain: 'running',
  stop: 'stopped',
  start: 'running',
  terminate: 'terminated',
};
