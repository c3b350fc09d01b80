import { EVENT_TYPES } from '../events/event-types';
import type {
  ScalingDownCompletedData,
  WorkerTerminatedData,
} from '../events/worker-event-data';
import type { TransitionContext } from '../values/transition-context';
import type { Worker } from './worker';
import {
  applyWorkerTransition,
  scalingEventData,
  type WorkerChange,
} from './worker-change';
import { WORKER_STATES } from './worker-state';

/** stopped -> terminated: an admin terminate or long-idle clean-up. Completes a scale-down. */
export function terminateStoppedWorker(
  worker: Worker,
  context: TransitionContext,
): WorkerChange {
  return applyWorkerTransition(worker, {
    from: 'stopped',
    to: 'terminated',
    context,
    defaultReason: 'admin_terminate',
    patch: { terminatedAt: context.now },
    events: (next, base) => {
      const terminated: WorkerTerminatedData = base;
      const completed: ScalingDownCompletedData = scalingEventData(next, base);
      return [
        { type: EVENT_TYPES.workerTerminated, data: terminated },
        { type: EVENT_TYPES.scalingDownCompleted, data: completed },
      ];
    },
  });
}

/** failed -> terminated: the failed VM (if any) is gone; the controller may scale up again. */
export function terminateFailedWorker(
  worker: Worker,
  context: TransitionContext,
): WorkerChange {
  return applyWorkerTransition(worker, {
    from: 'failed',
    to: 'terminated',
    context,
    defaultReason: 'provisioning_failed',
    patch: { terminatedAt: context.now },
    events: (_next, base) => {
      const data: WorkerTerminatedData = base;
      return [{ type: EVENT_TYPES.workerTerminated, data }];
    },
  });
}

const LIVE_WORKER_STATES = WORKER_STATES.filter((s) => s !== 'terminated');

/**
 * Any live state -> terminated: the cloud says the VM is terminated, or it is not found.
 * The controller then force-terminates the worker's instances as orphans.
 */
export function markWorkerTerminatedByCloud(
  worker: Worker,
  context: TransitionContext,
): WorkerChange {
  return applyWorkerTransition(worker, {
    from: LIVE_WORKER_STATES,
    to: 'terminated',
    context,
    defaultReason: 'cloud_terminated',
    patch: { terminatedAt: context.now, drainStartedAt: null },
    events: (_next, base) => {
      const data: WorkerTerminatedData = base;
      return [{ type: EVENT_TYPES.workerTerminated, data }];
    },
  });
}
