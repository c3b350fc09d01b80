import { InvalidTransition } from '../errors';
import { EVENT_TYPES } from '../events/event-types';
import type {
  InstanceProvisioningRetriedData,
  InstanceProvisioningStartedData,
} from '../events/instance-event-data';
import {
  applyInstanceTransition,
  type InstanceChange,
} from './instance-change';
import {
  requireReason,
  type TransitionContext,
} from '../values/transition-context';
import { assertInstanceEdge } from './instance-transitions';
import type { LabletInstance } from './lablet-instance';

/** docs/decisions/0014-drain-first-scale-down.md: a failed instantiation on a draining worker is retried at most this many times. */
export const MAX_INSTANTIATION_RETRIES = 3;

/** scheduled -> instantiating: the lab YAML has been rewritten and the import begins. */
export function startInstantiation(
  instance: LabletInstance,
  context: TransitionContext,
): InstanceChange {
  return applyInstanceTransition(instance, {
    from: 'scheduled',
    to: 'instantiating',
    context,
    events: (next, base) => {
      const data: InstanceProvisioningStartedData = {
        ...base,
        workerId: next.workerId ?? '',
        allocatedPorts: next.allocatedPorts ?? {},
        labYamlHash: next.spec.labYamlHash,
      };
      return [{ type: EVENT_TYPES.instanceProvisioningStarted, data }];
    },
  });
}

/**
 * instantiating -> instantiating: retry on the same (draining) worker, `retryCount` + 1.
 * Refused with InvalidTransition (guard `max_retries_exceeded`) once MAX_INSTANTIATION_RETRIES
 * retries were made; the caller then terminates with that reason. Needs a reason.
 */
export function retryInstantiation(
  instance: LabletInstance,
  context: TransitionContext,
): InstanceChange {
  assertInstanceEdge(instance, 'instantiating', 'instantiating');
  requireReason(context);
  if (instance.retryCount >= MAX_INSTANTIATION_RETRIES) {
    throw new InvalidTransition({
      entity: 'instance',
      id: instance.id,
      from: instance.state,
      to: 'instantiating',
      guard: 'max_retries_exceeded',
    });
  }
  return applyInstanceTransition(instance, {
    from: 'instantiating',
    to: 'instantiating',
    context,
    patch: { retryCount: instance.retryCount + 1, cmlLabId: null },
    events: (next, base) => {
      const data: InstanceProvisioningRetriedData = {
        ...base,
        retryCount: next.retryCount,
        maxRetries: MAX_INSTANTIATION_RETRIES,
      };
      return [{ type: EVENT_TYPES.instanceProvisioningRetried, data }];
    },
  });
}
