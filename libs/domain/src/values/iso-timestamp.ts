import { ValidationError } from '../errors';

// Records carry ISO-8601 strings; the domain never reads the clock, callers pass `now`.
const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export function isIsoTimestamp(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    ISO_8601.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

/** Throws ValidationError(field) unless `value` is an ISO-8601 timestamp with a zone. */
export function assertIsoTimestamp(
  value: unknown,
  field: string,
): asserts value is string {
  if (!isIsoTimestamp(value)) {
    throw new ValidationError(
      field,
      `expected an ISO-8601 timestamp with zone, got ${JSON.stringify(value)}`,
    );
  }
}

/**
 * Instants already parsed, by spelling: the controller decides on the same records' timestamps
 * every pass, and Date.parse of an ISO string costs more than the rest of such a decision.
 * Bounded (cleared when full).
 */
const parsedInstants = new Map<string, number>();
const PARSED_INSTANTS_MAX = 20_000;

export function toEpochMs(iso: string): number {
  let ms = parsedInstants.get(iso);
  if (ms === undefined) {
    ms = Date.parse(iso);
    if (parsedInstants.size >= PARSED_INSTANTS_MAX) parsedInstants.clear();
    parsedInstants.set(iso, ms);
  }
  return ms;
}

export function addMinutes(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}

/** Whole-and-fractional minutes from `from` to `to` (negative when `to` is earlier). */
export function minutesBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 60_000;
}

/** Compares instants, not strings: two spellings of the same instant are equal. */
export function compareTimestamps(a: string, b: string): number {
  return Math.sign(Date.parse(a) - Date.parse(b));
}
