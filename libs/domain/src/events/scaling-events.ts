import { assertIsoTimestamp, addMinutes } from '../values/iso-timestamp';
import { ValidationError } from '../errors';
import type { DomainEvent } from './domain-event';
import { EVENT_TYPES } from './event-types';
import type { ScalingUpRequestedData } from './worker-event-data';

/** Planned worker boot when the template does not say (docs/scheduling.md#timeslots-booking-windows). */
export const DEFAULT_WORKER_STARTUP_MINUTES = 20;

export interface ScalingUpRequestedInput {
  template: string;
  /** e.g. "Instance <id> approaching timeslot with no capacity". */
  reason: string;
  now: string;
  /** Defaults to now + startupTimeMinutes. */
  estimatedReadyTime?: string;
  startupTimeMinutes?: number;
  /**
   * What makes this request unique and stable across a retried commit (e.g. the triggering
   * instance id, or the scheduler's decision id). Defaults to `now`.
   */
  requestKey?: string;
}

/**
 * A `lcm.scaling.up.requested` event not tied to a worker transition (e.g. the scheduler signals
 * a shortage). Subject is the template name; id `${template}:${requestKey ?? now}:0`.
 */
export function buildScalingUpRequestedEvent(
  input: ScalingUpRequestedInput,
): DomainEvent<ScalingUpRequestedData> {
  assertIsoTimestamp(input.now, 'now');
  if (typeof input.template !== 'string' || input.template.trim() === '') {
    throw new ValidationError('template', 'must name a worker template');
  }
  if (typeof input.reason !== 'string' || input.reason.trim() === '') {
    throw new ValidationError('reason', 'must say why capacity is needed');
  }
  const estimatedReadyTime =
    input.estimatedReadyTime ??
    addMinutes(
      input.now,
      input.startupTimeMinutes ?? DEFAULT_WORKER_STARTUP_MINUTES,
    );
  return {
    id: `${input.template}:${input.requestKey ?? input.now}:0`,
    type: EVENT_TYPES.scalingUpRequested,
    subject: input.template,
    time: input.now,
    data: {
      template: input.template,
      reason: input.reason,
      timestamp: input.now,
      estimatedReadyTime,
    },
  };
}
