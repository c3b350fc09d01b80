import { ValidationError } from '../errors';
import { isAsap, timeslotDurationMinutes, validateTimeslot } from './timeslot';

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
