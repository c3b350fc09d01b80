import type { TimedCloudEvent } from '@lcm/domain';

/**
 * The CloudEvent (@lcm/domain) as it sits in the etcd outbox (`/lcm/events/{id}`) and as consumers
 * receive it: a time and JSON `data`, always present. Built and validated by @lcm/events; the state store only
 * writes and reads it.
 */
export type OutboxEvent = TimedCloudEvent & {
  datacontenttype: 'application/json';
  data: unknown;
};

/** Parses an outbox value; throws on anything that is not a structured CloudEvent. */
export function parseOutboxEvent(raw: string): OutboxEvent {
  const value = JSON.parse(raw) as Record<string, unknown>;
  for (const field of ['id', 'source', 'type', 'time'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '')
      throw new Error(`outbox event without ${field}`);
  }
  if (value['specversion'] !== '1.0')
    throw new Error(
      `outbox event with specversion ${String(value['specversion'])}`,
    );
  return value as OutboxEvent;
}
