import { ValidationError } from '../errors';
import { buildDomainEvents } from '../events/domain-event';
import { EVENT_TYPES } from '../events/event-types';
import type { InstancePendingData } from '../events/instance-event-data';
import { validateTimeslot } from '../values/timeslot';
import { instanceEventData, type InstanceChange } from './instance-change';
import {
  assertTransitionContext,
  type TransitionContext,
} from '../values/transition-context';
import { validateInstanceSpec, type InstanceSpec } from './instance-spec';
import { INSTANCE_INITIAL_STATE } from './instance-transitions';
import {
  INSTANCE_SCHEMA_VERSION,
  type LabletInstance,
} from './lablet-instance';

export interface CreateInstanceInput {
  id: string;
  definitionId: string;
  definitionName: string;
  /** Pinned now, never changed afterwards. */
  definitionVersion: string;
  spec: InstanceSpec;
  ownerId: string;
  reservationId?: string | null;
  timeslotStart: string;
  timeslotEnd: string;
}

function requireText(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError(field, 'must be a non-empty string');
  }
}

/**
 * (new) -> pending. Validates the spec and the timeslot (start < end, within the definition's
 * maximum duration, end in the future; a start in the past means ASAP).
 */
export function createInstance(
  input: CreateInstanceInput,
  context: TransitionContext,
): InstanceChange {
  assertTransitionContext(context);
  requireText(input.id, 'id');
  requireText(input.definitionId, 'definitionId');
  requireText(input.definitionName, 'definitionName');
  requireText(input.definitionVersion, 'definitionVersion');
  requireText(input.ownerId, 'ownerId');
  validateInstanceSpec(input.spec);
  validateTimeslot(
    { start: input.timeslotStart, end: input.timeslotEnd },
    input.spec.maxDurationMinutes,
    context.now,
  );

  const { now, triggeredBy, reason } = context;
  const instance: LabletInstance = {
    schemaVersion: INSTANCE_SCHEMA_VERSION,
    id: input.id,
    generation: 0,
    definitionId: input.definitionId,
    definitionName: input.definitionName,
    definitionVersion: input.definitionVersion,
    spec: input.spec,
    ownerId: input.ownerId,
    reservationId: input.reservationId ?? null,
    state: INSTANCE_INITIAL_STATE,
    stateHistory: [
      {
        from: null,
        to: INSTANCE_INITIAL_STATE,
        at: now,
        triggeredBy,
        ...(reason !== undefined ? { reason } : {}),
      },
    ],
    timeslotStart: input.timeslotStart,
    timeslotEnd: input.timeslotEnd,
    workerId: null,
    allocatedPorts: null,
    cmlLabId: null,
    gradingScore: null,
    retryCount: 0,
    pendingReason: null,
    requestedAction: null,
    stateReason: reason ?? null,
    createdAt: now,
    scheduledAt: null,
    startedAt: null,
    terminatedAt: null,
    updatedAt: now,
  };
  const data: InstancePendingData = {
    ...instanceEventData(null, instance, context),
    ownerId: instance.ownerId,
    reservationId: instance.reservationId,
    timeslotStart: instance.timeslotStart,
    timeslotEnd: instance.timeslotEnd,
    createdAt: now,
  };
  return {
    instance,
    events: buildDomainEvents(instance.id, 0, now, [
      { type: EVENT_TYPES.instancePending, data },
    ]),
  };
}
