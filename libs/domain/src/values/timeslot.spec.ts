import fc from 'fast-check';
import { ValidationError } from '../errors';
import {
  calendarPageOf,
  calendarPagesOverlapping,
  isAsap,
  timeslotDurationMinutes,
  validateTimeslot,
} from './timeslot';

const start = '2026-01-16T10:00:00.000Z';
const end = '2026-01-16T11:00:00.000Z';

describe('timeslots', () => {
  it('accepts a window within the maximum duration', () => {
    expect(() => validateTimeslot({ start, end }, 60)).not.toThrow();
    expect(timeslotDurationMinutes({ start, end })).toBe(60);
  });

  it('requires start before end', () => {
    expect(() => validateTimeslot({ start: end, end: start }, 120)).toThrow(
      ValidationError,
    );
    expect(() => validateTimeslot({ start, end: start }, 120)).toThrow(
      ValidationError,
    );
  });

  it('rejects a window longer than maxDurationMinutes', () => {
    expect(() => validateTimeslot({ start, end }, 59)).toThrow(
      /more than the definition's maximum of 59/,
    );
  });

  it('rejects non-ISO timestamps', () => {
    expect(() => validateTimeslot({ start: 'tomorrow', end }, 60)).toThrow(
      ValidationError,
    );
    expect(() =>
      validateTimeslot({ start: '2026-01-16 10:00', end }, 60),
    ).toThrow(ValidationError);
  });

  it('compares instants, not strings, across time zones', () => {
    expect(() =>
      validateTimeslot({ start: '2026-01-16T11:00:00+01:00', end }, 60),
    ).not.toThrow();
    expect(
      timeslotDurationMinutes({ start: '2026-01-16T11:00:00+01:00', end }),
    ).toBe(60);
  });

  it('treats a start at or before now as ASAP', () => {
    expect(isAsap({ start, end }, start)).toBe(true);
    expect(isAsap({ start, end }, '2026-01-16T09:59:59.000Z')).toBe(false);
  });

  it('rejects an end already past when now is given', () => {
    expect(() => validateTimeslot({ start, end }, 60, end)).toThrow(/past/);
  });
});

describe('calendar pages', () => {
  const MINUTE = 60_000;
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  const slot = fc
    .tuple(
      fc.integer({ min: 0, max: 60 * 24 * 40 }),
      // Mostly hours, some exactly a day, some longer (the `long` page).
      fc.oneof(
        fc.integer({ min: 1, max: 60 * 24 }),
        fc.constant(60 * 24),
        fc.integer({ min: 60 * 24 + 1, max: 60 * 24 * 30 }),
      ),
    )
    .map(([at, minutes]) => ({
      start: new Date(base + at * MINUTE).toISOString(),
      end: new Date(base + (at + minutes) * MINUTE).toISOString(),
    }));

  it('a live slot that overlaps a window is filed on one of the pages named for that window', () => {
    fc.assert(
      fc.property(slot, slot, (window, other) => {
        const overlaps =
          Date.parse(other.start) < Date.parse(window.end) &&
          Date.parse(other.end) > Date.parse(window.start);
        fc.pre(overlaps);
        const page = calendarPageOf(other, false);
        expect(calendarPagesOverlapping(window)).toContain(page);
      }),
      { numRuns: 2000 },
    );
  });

  it('files a slot of up to a day under the UTC day it starts, a longer one under long, a terminal one nowhere', () => {
    expect(
      calendarPageOf(
        { start: '2026-01-16T23:30:00.000Z', end: '2026-01-17T23:30:00.000Z' },
        false,
      ),
    ).toBe(
      String(Math.floor(Date.parse('2026-01-16T00:00:00.000Z') / 86_400_000)),
    );
    expect(
      calendarPageOf(
        { start: '2026-01-16T23:30:00.000Z', end: '2026-01-17T23:31:00.000Z' },
        false,
      ),
    ).toBe('long');
    expect(calendarPageOf({ start, end }, true)).toBeNull();
  });

  it('names the long page, the day before the window and every day it touches', () => {
    const day = Math.floor(Date.parse(start) / 86_400_000);
    expect(calendarPagesOverlapping({ start, end })).toEqual([
      'long',
      String(day - 1),
      String(day),
    ]);
  });
});
