import { ValidationError } from '../errors';
import { EVENT_TYPES } from '../events/event-types';
import type {
  ScalingDownRequestedData,
  WorkerDrainCancelledData,
  WorkerDrainingData,
  WorkerStoppingData,
} from '../events/worker-event-data';
import { addMinutes } from '../values/iso-timestamp';
import type { TransitionContext } from '../values/transition-context';
import type { Worker } from './worker';
import {
  applyWorkerTransition,
  scalingEventData,
  type WorkerChange,
} from './worker-change';
import { assertWorkerEdge } from './worker-transitions';

/**
 * running -> draining: idle detection (reason `scale_down_idle`, the default) or an admin drain.
 * Instances continue, no new ones arrive. Emits `lcm.worker.draining` and
 * `lcm.scaling.down.requested`, both with the running instance count and the estimated drain
 * completion (default: the drain timeout).
 */
export function startDraining(
  worker: Worker,
  input: { runningInstancesCount: number; estimatedDrainCompletion?: string },
  context: TransitionContext,
): WorkerChange {
  assertWorkerEdge(worker, 'running', 'draining');
  if (
    !Number.isInteger(input.runningInstancesCount) ||
    input.runningInstancesCount < 0
  ) {
    throw new ValidationError(
      'runningInstancesCount',
      'must be an integer >= 0',
    );
  }
  const estimatedDrainCompletion =
    input.estimatedDrainCompletion ??
    addMinutes(context.now, worker.drainTimeoutHours * 60);
  return applyWorkerTransition(worker, {
    from: 'running',
    to: 'draining',
    context,
    defaultReason: 'scale_down_idle',
    patch: { drainStartedAt: context.now },
    events: (next, base) => {
      const draining: WorkerDrainingData = {
        ...base,
        runningInstancesCount: input.runningInstancesCount,
        estimatedDrainCompletion,
        drainStartedAt: context.now,
      };
      const requested: ScalingDownRequestedData = {
        ...scalingEventData(next, base),
        runningInstancesCount: input.runningInstancesCount,
        estimatedDrainCompletion,
      };
      return [
        { type: EVENT_TYPES.workerDraining, data: draining },
        { type: EVENT_TYPES.scalingDownRequested, data: requested },
      ];
    },
  });
}

/** draining -> running: an admin cancels the drain (`triggeredBy` is who cancelled). */
export function cancelDrain(
  worker: Worker,
  context: TransitionContext,
): WorkerChange {
  return applyWorkerTransition(worker, {
    from: 'draining',
    to: 'running',
    context,
    defaultReason: 'admin_action',
    patch: { drainStartedAt: null },
    events: (_next, base) => {
      const data: WorkerDrainCancelledData = {
        ...base,
        cancelledBy: context.triggeredBy,
        reason: 'admin_action',
      };
      return [{ type: EVENT_TYPES.workerDrainCancelled, data }];
    },
  });
}

/**
 * draining -> stopping: the last instance finished (`drain_complete`, the default) or the drain
 * timed out (`drain_timeout`; the caller force-terminates remaining instances first).
 */
export function stopDrainedWorker(
  worker: Worker,
  context: TransitionContext,
): WorkerChange {
  return applyWorkerTransition(worker, {
    from: 'draining',
    to: 'stopping',
    context,
    defaultReason: 'drain_complete',
    // The drain is over: only a draining worker carries a drain start (its timeout clock).
    patch: { drainStartedAt: null },
    events: (_next, base) => {
      const data: WorkerStoppingData = base;
      return [{ type: EVENT_TYPES.workerStopping, data }];
    },
  });
}
