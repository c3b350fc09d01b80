import { errorMessage } from '@lcm/domain';
import type { CloudEvent as DomainCloudEvent } from '@lcm/domain';
import { CloudEvent, HTTP } from 'cloudevents';
import type { EventIssue } from '../catalog/validate-event-data';
import {
  checkEnvelopeAttributes,
  describeValue,
  isJsonMediaType,
  issuesFromSdkError,
  mediaTypeOf,
} from './envelope-rules';
import { InvalidEventError } from './invalid-event-error';

/**
 * A received CloudEvent (the one type, @lcm/domain), normalised to the structured JSON form the
 * outbox uses. `time` is optional (CloudEvents makes it so; nothing is invented), and `data` is
 * `null` when the event carried none.
 */
export type IncomingCloudEvent = DomainCloudEvent & {
  datacontenttype: 'application/json';
  data: unknown;
};

export type IncomingHeaders = Record<string, string | string[] | undefined>;

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';
const CE_PREFIX = 'ce-';
const SUMMARY = 'not a valid CloudEvent';

function fail(issues: EventIssue[]): never {
  throw new InvalidEventError(SUMMARY, issues);
}

/** Lower-cased names; a repeated header is an error (which value would be the event's?). */
function normaliseHeaders(headers: IncomingHeaders): Record<string, string> {
  const normalised: Record<string, string> = {};
  const issues: EventIssue[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const key = name.toLowerCase();
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length !== 1) {
        if (key === 'content-type' || key.startsWith(CE_PREFIX)) {
          issues.push({ field: key, message: 'must appear once' });
        }
        continue;
      }
      normalised[key] = value[0];
    } else if (typeof value === 'string') {
      normalised[key] = value;
    }
  }
  if (issues.length > 0) fail(issues);
  return normalised;
}

type BodyResult = { present: false } | { present: true; value: unknown };

/** The body as JSON: a Buffer or string is parsed here; an object a framework already parsed is taken as is. */
function readJsonBody(body: unknown, field: string): BodyResult {
  if (body === undefined || body === null) return { present: false };
  let text: string;
  if (Buffer.isBuffer(body)) text = body.toString('utf8');
  else if (body instanceof Uint8Array)
    text = Buffer.from(body).toString('utf8');
  else if (typeof body === 'string') text = body;
  else return { present: true, value: body };
  if (text.trim() === '') return { present: false };
  try {
    return { present: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const reason = errorMessage(error);
    return fail([{ field, message: `is not valid JSON (${reason})` }]);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs the SDK's parser and, explicitly, its validation (it does not validate on receive). */
function validateWithSdk(
  message: { headers: Record<string, string>; body: unknown },
  fieldName?: (attribute: string) => string,
): void {
  try {
    const parsed = HTTP.toEvent(message) as
      | CloudEvent<unknown>
      | CloudEvent<unknown>[];
    const events = Array.isArray(parsed) ? parsed : [parsed];
    if (events.length !== 1) {
      fail([
        {
          field: 'body',
          message: 'batch mode is not supported: send one event per request',
        },
      ]);
    }
    events[0].validate();
  } catch (error) {
    if (error instanceof InvalidEventError) throw error;
    fail(issuesFromSdkError(error, fieldName));
  }
}

function normalise(
  attributes: Record<string, unknown>,
  data: unknown,
): IncomingCloudEvent {
  // Only called after the envelope checks, so the attributes have the types claimed here.
  const { datacontenttype: _type, data: _data, ...rest } = attributes;
  return {
    ...rest,
    datacontenttype: 'application/json',
    data,
  } as IncomingCloudEvent;
}

function parseStructured(body: unknown): IncomingCloudEvent {
  const read = readJsonBody(body, 'body');
  if (!read.present)
    fail([
      { field: 'body', message: 'is empty: expected a structured CloudEvent' },
    ]);
  const event = read.value;
  if (Array.isArray(event)) {
    fail([
      {
        field: 'body',
        message: `is a JSON array (batch mode is not supported): send one event per request with content-type ${STRUCTURED}`,
      },
    ]);
  }
  if (!isPlainObject(event)) {
    fail([
      {
        field: 'body',
        message: `must be a JSON object (a structured CloudEvent), got ${describeValue(event)}`,
      },
    ]);
  }
  const issues = checkEnvelopeAttributes(event, {
    requireTime: false,
    requireData: false,
  });
  if (issues.length > 0) fail(issues);
  // The media type was checked above; the SDK looks parsers up by the exact header string.
  validateWithSdk({ headers: { 'content-type': STRUCTURED }, body: event });
  return normalise(event, event['data'] === undefined ? null : event['data']);
}

const REQUIRED_BINARY_HEADERS = [
  'specversion',
  'id',
  'source',
  'type',
] as const;

function parseBinary(
  headers: Record<string, string>,
  body: unknown,
): IncomingCloudEvent {
  const header = (attribute: string): string => `${CE_PREFIX}${attribute}`;
  const issues: EventIssue[] = [];
  for (const attribute of REQUIRED_BINARY_HEADERS) {
    if (headers[header(attribute)] === undefined) {
      issues.push({
        field: header(attribute),
        message: 'header is required in binary mode',
      });
    }
  }
  if (headers[header('datacontenttype')] !== undefined) {
    issues.push({
      field: header('datacontenttype'),
      message:
        'is not used in binary mode: the Content-Type header gives the data content type',
    });
  }
  const contentType = headers['content-type'];
  const bodyGiven = !(
    body === undefined ||
    body === null ||
    (typeof body === 'string' && body.trim() === '') ||
    (Buffer.isBuffer(body) && body.length === 0)
  );
  if (contentType === undefined) {
    if (bodyGiven) {
      issues.push({
        field: 'content-type',
        message: 'is required when there is data (application/json)',
      });
    }
  } else if (!isJsonMediaType(mediaTypeOf(contentType))) {
    issues.push({
      field: 'content-type',
      message: `binary-mode data must be application/json, got ${JSON.stringify(contentType)}`,
    });
  }
  if (issues.length > 0) fail(issues);

  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(CE_PREFIX))
      attributes[name.slice(CE_PREFIX.length)] = value;
  }
  const read = readJsonBody(body, 'body');
  const data = read.present ? read.value : null;
  const envelopeIssues = checkEnvelopeAttributes(attributes, {
    requireTime: false,
    requireData: false,
    fieldName: header,
  });
  if (envelopeIssues.length > 0) fail(envelopeIssues);

  const sdkHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes))
    sdkHeaders[header(name)] = value as string;
  if (read.present) sdkHeaders['content-type'] = 'application/json';
  validateWithSdk(
    {
      headers: sdkHeaders,
      // The SDK's JSON parser re-parses strings (and mangles bare scalars); it only needs to validate.
      body:
        isPlainObject(data) || Array.isArray(data)
          ? data
          : read.present
            ? JSON.stringify(data)
            : undefined,
    },
    header,
  );
  return normalise(attributes, data);
}

/**
 * Parses a CloudEvent received over HTTP (the api's `POST /api/v1/events`, docs/api.md#cloudevents-in), in
 * structured mode (`Content-Type: application/cloudevents+json`, the event as the JSON body) or
 * binary mode (`ce-*` headers, `application/json` data as the body). Batch mode is refused.
 * Checks the envelope (specversion 1.0 only, non-empty id/source/type, RFC 3339 time, JSON data)
 * with our rules and then the SDK's validation. The data is not checked against the catalog here:
 * an unknown type is acknowledged and ignored by the caller, a known one goes to validateEventData.
 * Throws InvalidEventError with every issue found.
 */
export function parseIncomingCloudEvent(
  headers: IncomingHeaders,
  body: unknown,
): IncomingCloudEvent {
  const normalised = normaliseHeaders(headers);
  const contentType = normalised['content-type'];
  const mediaType =
    contentType === undefined ? undefined : mediaTypeOf(contentType);
  if (mediaType === BATCH) {
    fail([
      {
        field: 'content-type',
        message: `batch mode (${BATCH}) is not supported: send one event per request`,
      },
    ]);
  }
  if (
    mediaType !== undefined &&
    mediaType.startsWith('application/cloudevents')
  ) {
    if (mediaType !== STRUCTURED) {
      fail([
        {
          field: 'content-type',
          message: `event format ${JSON.stringify(mediaType)} is not supported: use ${STRUCTURED}`,
        },
      ]);
    }
    return parseStructured(body);
  }
  if (Object.keys(normalised).some((name) => name.startsWith(CE_PREFIX))) {
    return parseBinary(normalised, body);
  }
  return fail([
    {
      field: 'content-type',
      message: `not a CloudEvent: expected content-type ${STRUCTURED} (structured mode) or ce-* headers (binary mode), got ${contentType === undefined ? 'no content-type' : JSON.stringify(contentType)}`,
    },
  ]);
}
