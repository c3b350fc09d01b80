import type { DomainEvent } from '@lcm/domain';
import type { OutboxEvent } from '@lcm/state-store';
import { CloudEvent } from 'cloudevents';
import { validateEventData } from '../catalog/validate-event-data';
import { checkEnvelopeAttributes, issuesFromSdkError } from './envelope-rules';
import { InvalidEventError } from './invalid-event-error';

const DATA_CONTENT_TYPE = 'application/json';

/**
 * Wraps a domain event in its CloudEvent (docs/events.md#envelope: specversion 1.0, `source` = the emitting
 * service such as `lcm/controller`, `subject` = the aggregate id, JSON data) and returns its
 * structured JSON form for the outbox. Throws InvalidEventError when the envelope or the data
 * does not match the catalog: an emitted event that breaks its schema is a programming error,
 * better stopped before the transaction commits than found by a consumer.
 */
export function toOutboxEvent(event: DomainEvent, source: string): OutboxEvent {
  const attributes: Record<string, unknown> = {
    specversion: '1.0',
    id: event.id,
    source,
    type: event.type,
    subject: event.subject,
    time: event.time,
    datacontenttype: DATA_CONTENT_TYPE,
    data: event.data,
  };
  const issues = checkEnvelopeAttributes(attributes, {
    requireTime: true,
    requireData: true,
  });
  if (event.data !== undefined) {
    const checked = validateEventData(event.type, event.data);
    if (!checked.ok) issues.push(...checked.issues);
  }
  const summary = `cannot emit event ${String(event.id)} (${String(event.type)})`;
  if (issues.length > 0) throw new InvalidEventError(summary, issues);

  // A plain JSON copy: what the outbox stores is exactly what consumers will read back.
  const data: unknown = JSON.parse(JSON.stringify(event.data));
  let cloudEvent: CloudEvent<unknown>;
  try {
    // Strict construction validates the envelope against the CloudEvents JSON schema.
    cloudEvent = new CloudEvent<unknown>({ ...attributes, data });
  } catch (error) {
    throw new InvalidEventError(summary, issuesFromSdkError(error));
  }
  return {
    specversion: '1.0',
    id: cloudEvent.id,
    source: cloudEvent.source,
    type: cloudEvent.type,
    subject: event.subject,
    // The producer's own spelling (already checked as RFC 3339); the SDK would re-format it.
    time: event.time,
    datacontenttype: DATA_CONTENT_TYPE,
    data,
  };
}

/** The events of one change, in order, all from one source. */
export function toOutboxEvents(
  events: readonly DomainEvent[],
  source: string,
): OutboxEvent[] {
  return events.map((event) => toOutboxEvent(event, source));
}
