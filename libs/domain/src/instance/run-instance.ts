import { ValidationError } from '../errors';
import { EVENT_TYPES } from '../events/event-types';
import type {
  InstanceEventData,
  InstanceRunningData,
} from '../events/instance-event-data';
import type { GradingPod } from '../lab/grading-pod';
import {
  applyInstanceTransition,
  type InstanceChange,
} from './instance-change';
import type { TransitionContext } from '../values/transition-context';
import { assertInstanceEdge } from './instance-transitions';
import type { LabletInstance } from './lablet-instance';

export interface RunningInput {
  workerHostname: string;
  /** The grading Pod (buildGradingPod); part of the running event, `podAssigned` says whether it is there. */
  pod?: GradingPod | null;
}

function runningData(
  next: LabletInstance,
  base: InstanceEventData,
  input: RunningInput,
  restarted: boolean,
): InstanceRunningData {
  return {
    ...base,
    workerId: next.workerId ?? '',
    workerHostname: input.workerHostname,
    cmlLabId: next.cmlLabId ?? '',
    allocatedPorts: next.allocatedPorts ?? {},
    startedAt: base.timestamp,
    podAssigned: input.pod != null,
    pod: input.pod ?? null,
    restarted,
  };
}

function requireHostname(input: RunningInput): void {
  if (
    typeof input.workerHostname !== 'string' ||
    input.workerHostname.trim() === ''
  ) {
    throw new ValidationError(
      'workerHostname',
      'must be the host the lab is reached on',
    );
  }
}

/** instantiating -> running: CML import and start succeeded. Sets `cmlLabId` and (first time) `startedAt`. */
export function markInstanceRunning(
  instance: LabletInstance,
  input: RunningInput & { cmlLabId: string },
  context: TransitionContext,
): InstanceChange {
  assertInstanceEdge(instance, 'instantiating', 'running');
  requireHostname(input);
  if (typeof input.cmlLabId !== 'string' || input.cmlLabId.trim() === '') {
    throw new ValidationError('cmlLabId', 'must be the lab id CML returned');
  }
  return applyInstanceTransition(instance, {
    from: 'instantiating',
    to: 'running',
    context,
    patch: {
      cmlLabId: input.cmlLabId,
      startedAt: instance.startedAt ?? context.now,
    },
    events: (next, base) => [
      {
        type: EVENT_TYPES.instanceRunning,
        data: runningData(next, base, input, false),
      },
    ],
  });
}

/** stopped -> running: the lab restarted on the same worker with the same ports. */
export function restartInstance(
  instance: LabletInstance,
  input: RunningInput,
  context: TransitionContext,
): InstanceChange {
  assertInstanceEdge(instance, 'stopped', 'running');
  requireHostname(input);
  return applyInstanceTransition(instance, {
    from: 'stopped',
    to: 'running',
    context,
    patch: { startedAt: instance.startedAt ?? context.now },
    events: (next, base) => [
      {
        type: EVENT_TYPES.instanceRunning,
        data: runningData(next, base, input, true),
      },
    ],
  });
}
