import { errorMessage } from '@lcm/domain';
import type { OutboxEvent } from '@lcm/state-store';
import { CloudEvent } from 'cloudevents';
import { validateEventData } from '../catalog/validate-event-data';
import {
  checkEnvelopeAttributes,
  describeValue,
  issuesFromSdkError,
} from './envelope-rules';
import { InvalidEventError } from './invalid-event-error';

const SUMMARY = 'not a valid outbox event';

/**
 * Parses a stored outbox value (structured JSON) and checks it fully: the envelope as
 * toOutboxEvent writes it (time, subject and JSON data included) through our rules and the SDK,
 * and `data` against the catalog class of a known type. For consumers that want strictness; the
 * state store's own `parseOutboxEvent` only checks the envelope's shape. Throws InvalidEventError.
 */
export function parseOutboxEventStrict(raw: string): OutboxEvent {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    const reason = errorMessage(error);
    throw new InvalidEventError(SUMMARY, [
      { field: 'event', message: `is not valid JSON (${reason})` },
    ]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEventError(SUMMARY, [
      {
        field: 'event',
        message: `must be a JSON object, got ${describeValue(value)}`,
      },
    ]);
  }
  const event = value as Record<string, unknown>;
  const issues = checkEnvelopeAttributes(event, {
    requireTime: true,
    requireData: true,
  });
  if (event['datacontenttype'] !== 'application/json') {
    issues.push({
      field: 'datacontenttype',
      message: `must be "application/json", got ${describeValue(event['datacontenttype'])}`,
    });
  }
  if (issues.length === 0) {
    try {
      new CloudEvent<unknown>(event);
    } catch (error) {
      issues.push(...issuesFromSdkError(error));
    }
  }
  // (Missing data is already reported above.)
  if (typeof event['type'] === 'string' && event['data'] !== undefined) {
    const checked = validateEventData(event['type'], event['data']);
    if (!checked.ok) issues.push(...checked.issues);
  }
  if (issues.length > 0) throw new InvalidEventError(SUMMARY, issues);
  return event as OutboxEvent;
}
