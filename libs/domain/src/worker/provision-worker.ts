import { ValidationError } from '../errors';
import { EVENT_TYPES } from '../events/event-types';
import type {
  ScalingUpCompletedData,
  ScalingUpRequestedData,
  WorkerFailedData,
  WorkerPendingData,
  WorkerProvisioningStartedData,
  WorkerRunningData,
} from '../events/worker-event-data';
import { addMinutes } from '../values/iso-timestamp';
import {
  requireReason,
  type TransitionContext,
} from '../values/transition-context';
import type { Worker } from './worker';
import {
  applyWorkerTransition,
  scalingEventData,
  type WorkerChange,
} from './worker-change';
import { assertWorkerEdge } from './worker-transitions';

/** pending -> provisioning: the provider's create (or, on restart, start) was called. */
export function startProvisioning(
  worker: Worker,
  input: { providerInstanceId: string; amiName?: string | null },
  context: TransitionContext,
): WorkerChange {
  assertWorkerEdge(worker, 'pending', 'provisioning');
  if (
    typeof input.providerInstanceId !== 'string' ||
    input.providerInstanceId.trim() === ''
  ) {
    throw new ValidationError(
      'providerInstanceId',
      'must be the cloud instance id',
    );
  }
  return applyWorkerTransition(worker, {
    from: 'pending',
    to: 'provisioning',
    context,
    defaultReason: 'provider_create_called',
    patch: {
      providerInstanceId: input.providerInstanceId,
      amiName: input.amiName ?? worker.amiName,
    },
    events: (_next, base) => {
      const data: WorkerProvisioningStartedData = {
        ...base,
        providerInstanceId: input.providerInstanceId,
      };
      return [{ type: EVENT_TYPES.workerProvisioningStarted, data }];
    },
  });
}

/** provisioning -> running: the VM runs and the lab engine answers. Completes the scale-up. */
export function markWorkerRunning(
  worker: Worker,
  input: { hostname: string },
  context: TransitionContext,
): WorkerChange {
  assertWorkerEdge(worker, 'provisioning', 'running');
  if (typeof input.hostname !== 'string' || input.hostname.trim() === '') {
    throw new ValidationError(
      'hostname',
      'must be the host instances are reached on',
    );
  }
  return applyWorkerTransition(worker, {
    from: 'provisioning',
    to: 'running',
    context,
    defaultReason: 'worker_ready',
    patch: { hostname: input.hostname },
    events: (next, base) => {
      const running: WorkerRunningData = { ...base, hostname: next.hostname };
      const completed: ScalingUpCompletedData = scalingEventData(next, base);
      return [
        { type: EVENT_TYPES.workerRunning, data: running },
        { type: EVENT_TYPES.scalingUpCompleted, data: completed },
      ];
    },
  });
}

/**
 * pending | provisioning -> failed: provisioning failed or timed out (2 x startupTimeMinutes).
 * Needs a reason. The controller terminates it next and may scale up again.
 */
export function failWorker(
  worker: Worker,
  context: TransitionContext,
): WorkerChange {
  assertWorkerEdge(worker, ['pending', 'provisioning'], 'failed');
  requireReason(context);
  return applyWorkerTransition(worker, {
    from: ['pending', 'provisioning'],
    to: 'failed',
    context,
    defaultReason: 'provisioning_failed',
    events: (_next, base) => {
      const data: WorkerFailedData = base;
      return [{ type: EVENT_TYPES.workerFailed, data }];
    },
  });
}

/**
 * stopped -> pending: reuse a stopped worker (faster than a new one); it passes through
 * pending and provisioning again. A scale-up like createWorker, so it emits the same events.
 */
export function restartWorker(
  worker: Worker,
  context: TransitionContext,
): WorkerChange {
  return applyWorkerTransition(worker, {
    from: 'stopped',
    to: 'pending',
    context,
    defaultReason: 'scale_up_restart',
    // The address usually changes when a stopped VM starts again.
    patch: { hostname: null, drainStartedAt: null },
    events: (next, base) => {
      const pending: WorkerPendingData = base;
      const requested: ScalingUpRequestedData = {
        ...scalingEventData(next, base),
        estimatedReadyTime: addMinutes(base.timestamp, next.startupTimeMinutes),
      };
      return [
        { type: EVENT_TYPES.workerPending, data: pending },
        { type: EVENT_TYPES.scalingUpRequested, data: requested },
      ];
    },
  });
}
