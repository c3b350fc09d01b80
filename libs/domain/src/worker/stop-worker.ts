import { EVENT_TYPES } from '../events/event-types';
import type {
  ScalingDownCompletedData,
  WorkerStoppedData,
  WorkerStoppingData,
} from '../events/worker-event-data';
import type { TransitionContext } from '../values/transition-context';
import type { Worker } from './worker';
import {
  applyWorkerTransition,
  scalingEventData,
  type WorkerChange,
} from './worker-change';

/** running -> stopping: an admin stop, or the direct stop of an idle worker with no instances. */
export function stopWorker(
  worker: Worker,
  context: TransitionContext,
): WorkerChange {
  return applyWorkerTransition(worker, {
    from: 'running',
    to: 'stopping',
    context,
    defaultReason: 'admin_stop',
    events: (_next, base) => {
      const data: WorkerStoppingData = base;
      return [{ type: EVENT_TYPES.workerStopping, data }];
    },
  });
}

/** stopping -> stopped: the cloud reports the VM stopped. Completes the scale-down. */
export function markWorkerStopped(
  worker: Worker,
  context: TransitionContext,
): WorkerChange {
  return applyWorkerTransition(worker, {
    from: 'stopping',
    to: 'stopped',
    context,
    defaultReason: 'cloud_stopped',
    patch: { drainStartedAt: null },
    events: (next, base) => {
      const stopped: WorkerStoppedData = base;
      const completed: ScalingDownCompletedData = scalingEventData(next, base);
      return [
        { type: EVENT_TYPES.workerStopped, data: stopped },
        { type: EVENT_TYPES.scalingDownCompleted, data: completed },
      ];
    },
  });
}
