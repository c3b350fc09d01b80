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

const DAY_MS = 24 * 60 * 60 * 1000;
/** The calendar page of the slots longer than a day (few: a booking lasts hours), searched whole. */
const LONG_SLOTS_PAGE = 'long';

/**
 * The page of the booking calendar a live slot is filed under (a cache index, so that a booking's
 * window is checked against the slots near it rather than every instance): the UTC day its slot
 * starts on when it lasts at most a day, `long` otherwise; null for an instance that holds nothing
 * (a terminal one). `calendarPagesOverlapping` names every page a slot overlapping a window can be on.
 */
export function calendarPageOf(
  timeslot: Timeslot,
  terminal: boolean,
): string | null {
  if (terminal) return null;
  const start = toEpochMs(timeslot.start);
  return toEpochMs(timeslot.end) - start > DAY_MS
    ? LONG_SLOTS_PAGE
    : String(Math.floor(start / DAY_MS));
}

/**
 * Every calendar page a live slot overlapping `[start, end)` can be on: a slot of at most a day that
 * overlaps it starts after start minus a day and before end, so on one of those days; a longer slot
 * is on the `long` page.
 */
export function calendarPagesOverlapping(timeslot: Timeslot): string[] {
  const first = Math.floor((toEpochMs(timeslot.start) - DAY_MS) / DAY_MS);
  const last = Math.floor((toEpochMs(timeslot.end) - 1) / DAY_MS);
  const pages = [LONG_SLOTS_PAGE];
  for (let day = first; day <= last; day++) pages.push(String(day));
  return pages;
}
