import { ValidationError } from '../errors';

/**
 * Small checks shared by every document validator. Each one takes the value and the field path it
 * came from, and either returns the value typed or throws ValidationError naming that path.
 */

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return value.length > 40
      ? `a string of ${value.length} characters`
      : JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object'
    ? 'an object'
    : `${typeof value} ${String(value)}`;
}

export function requireObject(value: unknown, field: string): PlainObject {
  if (!isPlainObject(value))
    throw new ValidationError(
      field,
      `must be an object, got ${describeValue(value)}`,
    );
  return value;
}

export interface StringRules {
  /** Minimum length, default 1 (non-empty). */
  min?: number;
  max: number;
  pattern?: RegExp;
  /** Said when `pattern` does not match. */
  patternHint?: string;
}

export function requireString(
  value: unknown,
  field: string,
  rules: StringRules,
): string {
  if (typeof value !== 'string')
    throw new ValidationError(
      field,
      `must be a string, got ${describeValue(value)}`,
    );
  const min = rules.min ?? 1;
  if (value.length < min)
    throw new ValidationError(
      field,
      min === 1 ? 'must not be empty' : `must have at least ${min} characters`,
    );
  if (value.length > rules.max)
    throw new ValidationError(
      field,
      `must have at most ${rules.max} characters, got ${value.length}`,
    );
  if (rules.pattern && !rules.pattern.test(value)) {
    throw new ValidationError(
      field,
      rules.patternHint ?? `must match ${String(rules.pattern)}`,
    );
  }
  return value;
}

export function optionalString(
  value: unknown,
  field: string,
  rules: StringRules,
): string | undefined {
  return value === undefined || value === null
    ? undefined
    : requireString(value, field, rules);
}

export interface IntegerRules {
  min: number;
  max?: number;
}

export function requireInteger(
  value: unknown,
  field: string,
  rules: IntegerRules,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ValidationError(
      field,
      `must be an integer, got ${describeValue(value)}`,
    );
  }
  if (value < rules.min)
    throw new ValidationError(
      field,
      `must be at least ${rules.min}, got ${value}`,
    );
  if (rules.max !== undefined && value > rules.max)
    throw new ValidationError(
      field,
      `must be at most ${rules.max}, got ${value}`,
    );
  return value;
}

export function optionalInteger(
  value: unknown,
  field: string,
  rules: IntegerRules,
): number | undefined {
  return value === undefined || value === null
    ? undefined
    : requireInteger(value, field, rules);
}

export function requireBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean')
    throw new ValidationError(
      field,
      `must be true or false, got ${describeValue(value)}`,
    );
  return value;
}

export function requireArray(
  value: unknown,
  field: string,
  rules: { min?: number; max: number },
): unknown[] {
  if (!Array.isArray(value))
    throw new ValidationError(
      field,
      `must be a list, got ${describeValue(value)}`,
    );
  const min = rules.min ?? 0;
  if (value.length < min)
    throw new ValidationError(
      field,
      min === 1 ? 'must not be empty' : `must have at least ${min} entries`,
    );
  if (value.length > rules.max)
    throw new ValidationError(
      field,
      `must have at most ${rules.max} entries, got ${value.length}`,
    );
  return value;
}

export function requireOneOf<T extends string>(
  value: unknown,
  field: string,
  allowed: readonly T[],
): T {
  if (
    typeof value !== 'string' ||
    !(allowed as readonly string[]).includes(value)
  ) {
    throw new ValidationError(
      field,
      `must be one of ${allowed.join(', ')}, got ${describeValue(value)}`,
    );
  }
  return value as T;
}

/** An absolute http(s) URL (webhooks, grading rules). */
export function requireHttpUrl(value: unknown, field: string): string {
  const text = requireString(value, field, { max: 2048 });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError(
      field,
      `must be an absolute URL, got ${describeValue(text)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(
      field,
      `must be an http or https URL, got ${describeValue(text)}`,
    );
  }
  return text;
}

/** An absolute URI: a scheme, a colon, then no spaces. */
export const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

/** Any absolute URI (`s3://…`, `https://…`, `urn:…`). */
export function requireUri(value: unknown, field: string): string {
  const text = requireString(value, field, { max: 2048 });
  if (!ABSOLUTE_URI.test(text))
    throw new ValidationError(
      field,
      `must be an absolute URI, got ${describeValue(text)}`,
    );
  return text;
}

const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** An ISO-8601 / RFC 3339 timestamp with a zone (`2026-01-16T10:00:00Z`). */
export function requireTimestamp(value: unknown, field: string): string {
  if (
    typeof value !== 'string' ||
    !ISO_8601.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new ValidationError(
      field,
      `must be an ISO-8601 timestamp with a zone, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Rejects anything that is not JSON (functions, class instances, NaN, cycles), so both drivers store the same thing. */
export function requireJsonValue(
  value: unknown,
  field: string,
  depth = 0,
): void {
  if (depth > 64)
    throw new ValidationError(
      field,
      'is nested too deeply (more than 64 levels)',
    );
  if (value === null || typeof value === 'string' || typeof value === 'boolean')
    return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new ValidationError(
        field,
        `must be a finite number, got ${String(value)}`,
      );
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) =>
      requireJsonValue(item, `${field}[${i}]`, depth + 1),
    );
    return;
  }
  if (
    isPlainObject(value) &&
    (Object.getPrototypeOf(value) === Object.prototype ||
      Object.getPrototypeOf(value) === null)
  ) {
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined)
        requireJsonValue(item, `${field}.${key}`, depth + 1);
    }
    return;
  }
  throw new ValidationError(
    field,
    `must be JSON (object, list, string, number, boolean or null), got ${describeValue(value)}`,
  );
}

/** Ids and names used as lookup keys must be plain strings (never an object a query could read as an operator). */
export function requireKey(value: unknown, field: string): string {
  return requireString(value, field, { max: 256 });
}
