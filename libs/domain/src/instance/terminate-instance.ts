import type { EventDraft } from '../events/domain-event';
import { EVENT_TYPES } from '../events/event-types';
import type {
  InstanceEventData,
  InstanceOwnerNotifiedData,
  InstanceTerminatedData,
  InstanceTimeslotMissedData,
} from '../events/instance-event-data';
import { InvalidTransition } from '../errors';
import { isTimeslotMissed } from './instance-timing';
import { minutesBetween } from '../values/iso-timestamp';
import {
  applyInstanceTransition,
  type InstanceChange,
} from './instance-change';
import {
  assertTransitionContext,
  requireReason,
  type TransitionContext,
} from '../values/transition-context';
import {
  releaseInstanceResources,
  type WorkerResources,
} from './instance-resources';
import type { InstanceState } from './instance-state';
import {
  assertInstanceEdge,
  assertInstanceTransition,
} from './instance-transitions';
import type { LabletInstance } from './lablet-instance';

function terminatedDraft(
  previous: LabletInstance,
  next: LabletInstance,
  base: InstanceEventData,
  forced: boolean,
): EventDraft {
  const score = next.gradingScore;
  const data: InstanceTerminatedData = {
    ...base,
    finalState: previous.state,
    gradingScore: score
      ? { total: score.total, max: score.max, passed: score.passed }
      : null,
    durationMinutes:
      next.startedAt === null
        ? null
        : Math.max(
            0,
            Math.round(minutesBetween(next.startedAt, base.timestamp)),
          ),
    forced,
  };
  return { type: EVENT_TYPES.instanceTerminated, data };
}

function ownerNotifiedDraft(
  next: LabletInstance,
  base: InstanceEventData,
  notification: InstanceOwnerNotifiedData['notification'],
): EventDraft {
  const data: InstanceOwnerNotifiedData = {
    ...base,
    ownerId: next.ownerId,
    notification,
  };
  return { type: EVENT_TYPES.instanceOwnerNotified, data };
}

/** The worker's records after release, or undefined when nothing was held (nothing to write). */
function releasedResources(
  instance: LabletInstance,
  resources: WorkerResources | undefined,
): WorkerResources | undefined {
  if (resources === undefined) return undefined;
  const released = releaseInstanceResources(instance, resources);
  return released === resources ? undefined : released;
}

function terminate(
  instance: LabletInstance,
  from: InstanceState,
  context: TransitionContext,
  resources: WorkerResources | undefined,
  notification?: InstanceOwnerNotifiedData['notification'],
): InstanceChange {
  const released = releasedResources(instance, resources);
  return applyInstanceTransition(instance, {
    from,
    to: 'terminated',
    context,
    patch: { terminatedAt: context.now },
    ...(released ? { capacity: released.capacity, ports: released.ports } : {}),
    events: (next, base) => [
      terminatedDraft(instance, next, base, false),
      ...(notification ? [ownerNotifiedDraft(next, base, notification)] : []),
    ],
  });
}

/** pending -> terminated: user delete or definition removed. Nothing was reserved, nothing to release. */
export function terminatePendingInstance(
  instance: LabletInstance,
  context: TransitionContext,
): InstanceChange {
  return terminate(instance, 'pending', context, undefined);
}

/**
 * pending -> terminated (`timeslot_missed`): the slot started more than `graceMinutes` ago and the
 * instance never got room. Emits `lcm.lablet.instance.terminated` and
 * `lcm.lablet.instance.timeslot.missed`. Refused before `timeslotStart + graceMinutes`.
 */
export function expireMissedTimeslot(
  instance: LabletInstance,
  graceMinutes: number,
  context: TransitionContext,
): InstanceChange {
  assertTransitionContext(context);
  if (!isTimeslotMissed(instance, context.now, graceMinutes)) {
    throw new InvalidTransition({
      entity: 'instance',
      id: instance.id,
      from: instance.state,
      to: 'terminated',
      guard: `the slot starting ${instance.timeslotStart} is not missed before ${graceMinutes} min of grace`,
    });
  }
  const missed = { ...context, reason: TIMESLOT_MISSED };
  return applyInstanceTransition(instance, {
    from: 'pending',
    to: 'terminated',
    context: missed,
    patch: { terminatedAt: context.now },
    events: (next, base) => {
      const data: InstanceTimeslotMissedData = {
        ...base,
        ownerId: instance.ownerId,
        timeslotStart: instance.timeslotStart,
        graceMinutes,
        pendingReason: instance.pendingReason ?? null,
      };
      return [
        terminatedDraft(instance, next, base, false),
        { type: EVENT_TYPES.instanceTimeslotMissed, data },
      ];
    },
  });
}

/** The reason of an instance ended by `expireMissedTimeslot`. */
export const TIMESLOT_MISSED = 'timeslot_missed';

/** scheduled -> terminated: user delete before start. Releases capacity and ports on the worker. */
export function terminateScheduledInstance(
  instance: LabletInstance,
  resources: WorkerResources,
  context: TransitionContext,
): InstanceChange {
  assertInstanceEdge(instance, 'scheduled', 'terminated');
  return terminate(instance, 'scheduled', context, resources);
}

/**
 * instantiating -> terminated: import/start failed, stuck past the timeout, `max_retries_exceeded`
 * or `worker_stopped_during_retry`. Needs a reason; releases capacity and ports; notifies the owner.
 */
export function failInstantiation(
  instance: LabletInstance,
  resources: WorkerResources,
  context: TransitionContext,
): InstanceChange {
  assertInstanceEdge(instance, 'instantiating', 'terminated');
  requireReason(context);
  return terminate(
    instance,
    'instantiating',
    context,
    resources,
    'instance_failed',
  );
}

/** archived -> terminated: final clean-up. Releases capacity and ports; `finalState: archived`. */
export function terminateArchivedInstance(
  instance: LabletInstance,
  resources: WorkerResources,
  context: TransitionContext,
): InstanceChange {
  assertInstanceEdge(instance, 'archived', 'terminated');
  return terminate(instance, 'archived', context, resources);
}

/**
 * Any non-terminal state -> terminated, outside the normal edges: an orphan whose worker is gone,
 * or the remaining instances of a worker force-stopped after its drain timeout. Needs a reason.
 * Releases what the instance holds when the worker's records are given (omit them when the worker
 * is gone), and notifies the owner.
 */
export function forceTerminateInstance(
  instance: LabletInstance,
  resources: WorkerResources | undefined,
  context: TransitionContext,
): InstanceChange {
  assertTransitionContext(context);
  assertInstanceTransition(instance.id, instance.state, 'terminated', {
    forced: true,
  });
  requireReason(context);
  const released = releasedResources(instance, resources);
  return applyInstanceTransition(instance, {
    from: instance.state,
    to: 'terminated',
    context,
    forced: true,
    patch: { terminatedAt: context.now },
    ...(released ? { capacity: released.capacity, ports: released.ports } : {}),
    events: (next, base) => [
      terminatedDraft(instance, next, base, true),
      ownerNotifiedDraft(next, base, 'instance_force_terminated'),
    ],
  });
}
