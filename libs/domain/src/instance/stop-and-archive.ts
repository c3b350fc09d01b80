import { EVENT_TYPES } from '../events/event-types';
import type {
  InstanceArchivedData,
  InstanceStoppedData,
  InstanceStoppingData,
} from '../events/instance-event-data';
import {
  applyInstanceTransition,
  type InstanceChange,
} from './instance-change';
import type { TransitionContext } from '../values/transition-context';
import type { LabletInstance } from './lablet-instance';

/** running -> stopping: user stop, timeslot expired, or drain force-stop. */
export function stopInstance(
  instance: LabletInstance,
  context: TransitionContext,
): InstanceChange {
  return applyInstanceTransition(instance, {
    from: 'running',
    to: 'stopping',
    context,
    events: (_next, base) => {
      const data: InstanceStoppingData = base;
      return [{ type: EVENT_TYPES.instanceStopping, data }];
    },
  });
}

/** stopping -> stopped: the lab is stopped on CML. */
export function markInstanceStopped(
  instance: LabletInstance,
  context: TransitionContext,
): InstanceChange {
  return applyInstanceTransition(instance, {
    from: 'stopping',
    to: 'stopped',
    context,
    events: (_next, base) => {
      const data: InstanceStoppedData = base;
      return [{ type: EVENT_TYPES.instanceStopped, data }];
    },
  });
}

/**
 * stopped -> archived: results stored, lab wiped/removed on CML. Capacity and ports stay held
 * until terminated (released in one place: the edges into terminated).
 */
export function archiveInstance(
  instance: LabletInstance,
  context: TransitionContext,
): InstanceChange {
  return applyInstanceTransition(instance, {
    from: 'stopped',
    to: 'archived',
    context,
    events: (_next, base) => {
      const data: InstanceArchivedData = base;
      return [{ type: EVENT_TYPES.instanceArchived, data }];
    },
  });
}
