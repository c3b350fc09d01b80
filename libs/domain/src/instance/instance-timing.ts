import { addMinutes, minutesBetween, toEpochMs } from '../values/iso-timestamp';
import type { InstanceSpec } from './instance-spec';
import type { LabletInstance } from './lablet-instance';

/** Worker boot (20 min) plus lab instantiation (15 min): how far ahead of its start a lab is prepared. */
export const DEFAULT_LEAD_TIME_MINUTES = 35;

/** How long an instance may stay in `instantiating` before it is retried or terminated. */
export const DEFAULT_INSTANTIATION_TIMEOUT_MINUTES = 15;

/**
 * INSTANTIATION_ALLOWANCE_MINUTES: how long a lab takes from placement on a running worker to
 * running, for a definition that does not declare its own (docs/controller.md#autoscaling: 15 min).
 */
export const DEFAULT_INSTANTIATION_ALLOWANCE_MINUTES = 15;
/** The bounds of a definition's (and the deployment's) instantiation allowance. */
export const MIN_INSTANTIATION_ALLOWANCE_MINUTES = 1;
export const MAX_INSTANTIATION_ALLOWANCE_MINUTES = 240;

/**
 * The instantiation allowance of an instance: what its definition declared (copied into its spec
 * at creation), else the deployment's default. Booking windows, scale-up and scale-down timing,
 * the capacity forecast, instantiation's start and its timeout all ask this one function.
 */
export function instantiationAllowanceOf(
  instance: { spec: Pick<InstanceSpec, 'instantiationAllowanceMinutes'> },
  defaultMinutes = DEFAULT_INSTANTIATION_ALLOWANCE_MINUTES,
): number {
  return instance.spec.instantiationAllowanceMinutes ?? defaultMinutes;
}

/**
 * When a scheduled instance should start instantiating: `timeslotStart - lead` (ASAP if already
 * past), earlier when its definition declares an instantiation allowance longer than the lead time
 * (the lab would not be running by its slot otherwise).
 */
export function instantiationDueAt(
  instance: Pick<LabletInstance, 'timeslotStart' | 'spec'>,
  leadTimeMinutes = DEFAULT_LEAD_TIME_MINUTES,
): string {
  return addMinutes(
    instance.timeslotStart,
    -Math.max(leadTimeMinutes, instantiationAllowanceOf(instance, 0)),
  );
}

export function isInstantiationDue(
  instance: Pick<LabletInstance, 'state' | 'timeslotStart' | 'spec'>,
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

/**
 * How long this attempt may stay in `instantiating`: the timeout, or the instance's declared
 * instantiation allowance when that is longer (a lab said to take 40 min is not cut off at 15).
 */
export function instantiationTimeoutOf(
  instance: Pick<LabletInstance, 'spec'>,
  timeoutMinutes = DEFAULT_INSTANTIATION_TIMEOUT_MINUTES,
): number {
  return Math.max(timeoutMinutes, instantiationAllowanceOf(instance, 0));
}

/** In `instantiating` (this attempt) for longer than its timeout (`instantiationTimeoutOf`). */
export function isInstantiationStuck(
  instance: Pick<
    LabletInstance,
    'state' | 'stateHistory' | 'updatedAt' | 'spec'
  >,
  now: string,
  timeoutMinutes = DEFAULT_INSTANTIATION_TIMEOUT_MINUTES,
): boolean {
  return (
    instance.state === 'instantiating' &&
    minutesBetween(enteredStateAt(instance), now) >
      instantiationTimeoutOf(instance, timeoutMinutes)
  );
}
