import {
  ValidationError,
  describeValue,
  optionalString,
  requireArray,
  requireJsonValue,
  requireObject,
  requireString,
  requireTimestamp,
  requireUri,
} from '@lcm/domain';
import type { AuditEventFilter, CloudEvent } from './audit-event.entity';

/** The one place CloudEvents are checked before either driver stores them. */

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
/** CloudEvents 1.0: attribute names are lower-case ASCII letters and digits. */
const EXTENSION_NAME = /^[a-z0-9]{1,64}$/;
export const MAX_EVENTS_PER_INSERT = 10_000;

/** Validates every event first, so a bad event in a batch means nothing of the batch is written. */
export function validateCloudEvents(events: unknown): CloudEvent[] {
  const list = requireArray(events, 'events', { max: MAX_EVENTS_PER_INSERT });
  return list.map((event, i) => validateCloudEvent(event, `events[${i}]`));
}

export function validateCloudEvent(input: unknown, at = 'event'): CloudEvent {
  const body = requireObject(input, at);
  if (body['specversion'] !== '1.0')
    throw new ValidationError(
      `${at}.specversion`,
      `must be "1.0", got ${describeValue(body['specversion'])}`,
    );
  const event: CloudEvent = {
    specversion: '1.0',
    id: requireString(body['id'], `${at}.id`, { max: 512 }),
    source: requireString(body['source'], `${at}.source`, { max: 1024 }),
    type: requireString(body['type'], `${at}.type`, { max: 256 }),
    time: requireTimestamp(body['time'], `${at}.time`),
  };
  const subject = optionalString(body['subject'], `${at}.subject`, {
    max: 1024,
  });
  if (subject !== undefined) event.subject = subject;
  const contentType = optionalString(
    body['datacontenttype'],
    `${at}.datacontenttype`,
    { max: 256 },
  );
  if (contentType !== undefined) event.datacontenttype = contentType;
  if (body['dataschema'] != null)
    event.dataschema = requireUri(body['dataschema'], `${at}.dataschema`);
  if (body['data'] !== undefined && body['data_base64'] !== undefined) {
    throw new ValidationError(
      `${at}.data_base64`,
      'an event carries data or data_base64, not both',
    );
  }
  if (body['data'] !== undefined) {
    requireJsonValue(body['data'], `${at}.data`);
    event.data = body['data'];
  }
  if (body['data_base64'] !== undefined) {
    event.data_base64 = requireString(
      body['data_base64'],
      `${at}.data_base64`,
      {
        min: 0,
        max: 16 * 1024 * 1024,
        pattern: /^[A-Za-z0-9+/]*={0,2}$/,
        patternHint: 'must be base64',
      },
    );
  }
  for (const [name, value] of Object.entries(body)) {
    if (CORE_ATTRIBUTES.has(name) || value === undefined || value === null)
      continue;
    if (!EXTENSION_NAME.test(name)) {
      throw new ValidationError(
        `${at}.${name}`,
        'is not a CloudEvents attribute name (lower-case letters and digits only)',
      );
    }
    if (
      typeof value !== 'string' &&
      typeof value !== 'boolean' &&
      !(typeof value === 'number' && Number.isInteger(value))
    ) {
      throw new ValidationError(
        `${at}.${name}`,
        `an extension attribute must be a string, integer or boolean, got ${describeValue(value)}`,
      );
    }
    event[name] = value;
  }
  return event;
}

export function validateAuditFilter(
  input: Record<string, unknown>,
): AuditEventFilter {
  const filter: AuditEventFilter = {};
  for (const name of ['type', 'typePrefix', 'subject', 'source'] as const) {
    if (input[name] != null)
      filter[name] = requireString(input[name], name, { max: 1024 });
  }
  if (input['from'] != null)
    filter.from = requireTimestamp(input['from'], 'from');
  if (input['to'] != null) filter.to = requireTimestamp(input['to'], 'to');
  return filter;
}
