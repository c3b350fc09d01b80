import { errorMessage } from '@lcm/domain';
import { ValidationError as SdkValidationError } from 'cloudevents';
import type { EventIssue } from '../catalog/validate-event-data';

// Our own envelope checks, run on the raw attributes *before* the SDK sees them: the SDK quietly
// fills a missing id (uuid) or time (now), replaces an unparsable time with now, and drops falsy
// attributes, so after it has run those mistakes can no longer be seen.

/** CloudEvents core attributes (v1.0) besides `data`. */
const CORE_ATTRIBUTES = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'datacontenttype',
  'dataschema',
  'data',
  'data_base64',
]);

const ATTRIBUTE_NAME = /^[a-z0-9]+$/;

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** An RFC 3339 date-time (seconds and zone required) naming a real calendar day. */
export function isRfc3339(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = RFC3339.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match
    .slice(1, 7)
    .map(Number);
  const zoneHour = match[9] === undefined ? 0 : Number(match[9]);
  const zoneMinute = match[10] === undefined ? 0 : Number(match[10]);
  // Date.UTC rolls 2026-02-30 over to March; a real day comes back unchanged.
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    zoneHour <= 23 &&
    zoneMinute <= 59
  );
}

/** The media type of a Content-Type value, lower-cased, without parameters. */
export function mediaTypeOf(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

/** `application/json` or a `+json` structured syntax suffix type. */
export function isJsonMediaType(mediaType: string): boolean {
  return (
    mediaType === 'application/json' ||
    /^application\/[a-z0-9!#$&^_.-]+\+json$/.test(mediaType)
  );
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return value.length > 40
      ? `a string of ${value.length} characters`
      : JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object'
    ? 'an object'
    : `${typeof value} ${String(value)}`;
}

export interface EnvelopeRules {
  /** Outbox events always carry `time`; received ones may leave it out (CloudEvents: optional). */
  requireTime: boolean;
  /** Outbox events always carry `data`. */
  requireData: boolean;
  /** How to name an attribute in an issue (binary mode names the `ce-` header). */
  fieldName?: (attribute: string) => string;
}

/**
 * Checks the attributes of a structured event (before the SDK normalises them): specversion 1.0
 * only, non-empty id/source/type, subject if present non-empty, time RFC 3339, JSON data only,
 * extension names and values as CloudEvents allows them.
 */
export function checkEnvelopeAttributes(
  event: Record<string, unknown>,
  rules: EnvelopeRules,
): EventIssue[] {
  const name = rules.fieldName ?? ((attribute: string) => attribute);
  const issues: EventIssue[] = [];
  const add = (attribute: string, message: string): void => {
    issues.push({ field: name(attribute), message });
  };

  const specversion = event['specversion'];
  if (specversion === undefined) {
    add('specversion', 'is required (CloudEvents 1.0)');
  } else if (specversion !== '1.0') {
    add(
      'specversion',
      `must be "1.0" (only CloudEvents 1.0 is accepted), got ${describeValue(specversion)}`,
    );
  }
  for (const attribute of ['id', 'source', 'type'] as const) {
    const value = event[attribute];
    if (value === undefined) add(attribute, 'is required');
    else if (typeof value !== 'string' || value === '')
      add(attribute, `must be a non-empty string, got ${describeValue(value)}`);
  }
  const subject = event['subject'];
  if (
    subject !== undefined &&
    (typeof subject !== 'string' || subject === '')
  ) {
    add(
      'subject',
      `must be a non-empty string when present, got ${describeValue(subject)}`,
    );
  }
  const time = event['time'];
  if (time === undefined) {
    if (rules.requireTime) add('time', 'is required');
  } else if (!isRfc3339(time)) {
    add(
      'time',
      `must be an RFC 3339 timestamp (e.g. 2026-01-16T10:00:00Z), got ${describeValue(time)}`,
    );
  }
  const contentType = event['datacontenttype'];
  if (contentType !== undefined) {
    if (
      typeof contentType !== 'string' ||
      !isJsonMediaType(mediaTypeOf(contentType))
    ) {
      add(
        'datacontenttype',
        `must be application/json (LCM events carry JSON data), got ${describeValue(contentType)}`,
      );
    }
  }
  const dataschema = event['dataschema'];
  if (
    dataschema !== undefined &&
    (typeof dataschema !== 'string' || dataschema === '')
  ) {
    add(
      'dataschema',
      `must be a non-empty URI when present, got ${describeValue(dataschema)}`,
    );
  }
  if (event['data_base64'] !== undefined) {
    add('data_base64', 'binary data is not accepted: data must be JSON');
  }
  if (rules.requireData && event['data'] === undefined) {
    add('data', 'is required');
  }
  for (const [attribute, value] of Object.entries(event)) {
    if (CORE_ATTRIBUTES.has(attribute)) continue;
    if (!ATTRIBUTE_NAME.test(attribute)) {
      add(
        attribute,
        'is not a valid attribute name (CloudEvents: lower-case letters a-z and digits only)',
      );
    } else if (
      !(
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isInteger(value))
      )
    ) {
      add(
        attribute,
        `extension values must be a string, boolean or integer, got ${describeValue(value)}`,
      );
    }
  }
  return issues;
}

/** The SDK's complaints as issues (its ValidationError carries the JSON-schema errors). */
export function issuesFromSdkError(
  error: unknown,
  fieldName: (attribute: string) => string = (attribute) => attribute,
): EventIssue[] {
  if (
    error instanceof SdkValidationError &&
    Array.isArray(error.errors) &&
    error.errors.length > 0
  ) {
    return error.errors.map((detail) => {
      if (typeof detail === 'object' && detail !== null) {
        const { instancePath, message } = detail as {
          instancePath?: string;
          message?: string;
        };
        const attribute = (instancePath ?? '')
          .replace(/^\//, '')
          .replace(/\//g, '.');
        return {
          field: attribute === '' ? 'event' : fieldName(attribute),
          message: message ?? 'is invalid',
        };
      }
      return { field: 'event', message: String(detail) };
    });
  }
  const message = errorMessage(error);
  return [{ field: 'event', message: message.split('\n')[0] }];
}
