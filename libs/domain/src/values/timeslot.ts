import { ValidationError } from '../errors';
import { assertIsoTimestamp, minutesBetween, toEpochMs } from './iso-timestamp';

/** `[start, end]`: the window the user works in; `end` is the latest allowed end. */
export interface Timeslot {
  start: string;
  end: string;
}

export function timeslotDurationMinutes(timeslot: Timeslot): number {
  return minutesBetween(timeslot.start, timeslot.end);
}

/**
 * start < end, the window at most `maxDurationMinutes` long, and (when `now` is given) an end
 * still in the future. A start at or before now is fine: it means ASAP.
 */
export function validateTimeslot(
  timeslot: Timeslot,
  maxDurationMinutes: number,
  now?: string,
): void {
  assertIsoTimestamp(timeslot.start, 'timeslotStart');
  assertIsoTimestamp(timeslot.end, 'timeslotEnd');
  if (toEpochMs(timeslot.start) >= toEpochMs(timeslot.end)) {
    throw new ValidationError('timeslotEnd', 'must be after timeslotStart');
  }
  const duration = timeslotDurationMinutes(timeslot);
  if (duration > maxDurationMinutes) {
    throw new ValidationError(
      'timeslotEnd',
      `the timeslot lasts ${duration} minutes, more than the definition's maximum of ${maxDurationMinutes}`,
    );
  }
  if (now !== undefined && toEpochMs(timeslot.end) <= toEpochMs(now)) {
    throw new ValidationError('timeslotEnd', 'is already in the past');
  }
}

/** ASAP: the timeslot has already started, so instantiate as soon as the instance is placed. */
export function isAsap(timeslot: Timeslot, now: string): boolean {
  return toEpochMs(timeslot.start) <= toEpochMs(now);
}
