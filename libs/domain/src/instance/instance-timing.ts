import { addMinutes, minutesBetween, toEpochMs } from '../values/iso-timestamp';
import type { LabletInstance } from './lablet-instance';

/** Worker boot (20 min) plus lab instantiation (15 min): how far ahead of its start a lab is prepared. */
export const DEFAULT_LEAD_TIME_MINUTES = 35;

/** How long an instance may stay in `instantiating` before it is retried or terminated. */
export const DEFAULT_INSTANTIATION_TIMEOUT_MINUTES = 15;

/** When a scheduled instance should start instantiating: `timeslotStart - lead` (ASAP if already past). */
export function instantiationDueAt(
  instance: Pick<LabletInstance, 'timeslotStart'>,
  leadTimeMinutes = DEFAULT_LEAD_TIME_MINUTES,
): string {
  return addMinutes(instance.timeslotStart, -leadTimeMinutes);
}

export function isInstantiationDue(
  instance: Pick<LabletInstance, 'state' | 'timeslotStart'>,
  now: string,
  leadTimeMinutes = DEFAULT_LEAD_TIME_MINUTES,
): boolean {
  return (
    instance.state === 'scheduled' &&
    toEpochMs(now) >= toEpochMs(instantiationDueAt(instance, leadTimeMinutes))
  );
}

/** Missed slots: a PENDING booking ends this long after its slot started without room. */
export const DEFAULT_TIMESLOT_GRACE_MINUTES = 5;

type MissedSlotFields = Pick<
  LabletInstance,
  'timeslotStart' | 'timeslotEnd' | 'createdAt'
>;

/**
 * When a still-PENDING instance has missed its slot: a booking (slot start after its creation) at
 * `timeslotStart + grace`; an ASAP request (slot start at or before its creation), which waits for
 * a worker to boot by design, only when its whole slot is over (`timeslotEnd`).
 */
export function timeslotMissedAt(
  instance: MissedSlotFields,
  graceMinutes = DEFAULT_TIMESLOT_GRACE_MINUTES,
): string {
  const booked =
    toEpochMs(instance.timeslotStart) > toEpochMs(instance.createdAt);
  return booked
    ? addMinutes(instance.timeslotStart, graceMinutes)
    : instance.timeslotEnd;
}

export function isTimeslotMissed(
  instance: MissedSlotFields & Pick<LabletInstance, 'state'>,
  now: string,
  graceMinutes = DEFAULT_TIMESLOT_GRACE_MINUTES,
): boolean {
  return (
    instance.state === 'pending' &&
    toEpochMs(now) >= toEpochMs(timeslotMissedAt(instance, graceMinutes))
  );
}

export function isTimeslotOver(
  instance: Pick<LabletInstance, 'timeslotEnd'>,
  now: string,
): boolean {
  return toEpochMs(now) >= toEpochMs(instance.timeslotEnd);
}

/** When the instance entered its current state (the last history entry). */
export function enteredStateAt(
  instance: Pick<LabletInstance, 'stateHistory' | 'updatedAt'>,
): string {
  return (
    instance.stateHistory[instance.stateHistory.length - 1]?.at ??
    instance.updatedAt
  );
}

/** In `instantiating` (this attempt) for longer than the timeout. */
export function isInstantiationStuck(
  instance: Pick<LabletInstance, 'state' | 'stateHistory' | 'updatedAt'>,
  now: string,
  timeoutMinutes = DEFAULT_INSTANTIATION_TIMEOUT_MINUTES,
): boolean {
  return (
    instance.state === 'instantiating' &&
    minutesBetween(enteredStateAt(instance), now) > timeoutMinutes
  );
}
