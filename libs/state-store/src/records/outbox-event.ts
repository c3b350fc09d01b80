/**
 * A CloudEvent in structured JSON form, as it sits in the etcd outbox (`/lcm/events/{id}`) and as
 * consumers receive it. Built and validated by @lcm/events; the state store only writes and reads it.
 */
export interface OutboxEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  data: unknown;
  [extension: string]: unknown;
}

/** Parses an outbox value; throws on anything that is not a structured CloudEvent. */
export function parseOutboxEvent(raw: string): OutboxEvent {
  const value = JSON.parse(raw) as Record<string, unknown>;
  for (const field of ['id', 'source', 'type', 'time'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') throw new Error(`outbox event without ${field}`);
  }
  if (value['specversion'] !== '1.0') throw new Error(`outbox event with specversion ${String(value['specversion'])}`);
  return value as OutboxEvent;
}
