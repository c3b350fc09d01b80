import { OutboxEvent } from '@lcm/state-store';

/** An outbox event as a consumer receives it: the CloudEvent and the etcd revision that wrote it. */
export interface ConsumedEvent {
  event: OutboxEvent;
  /** Mod revision of the outbox key: events are consumed in this order, and cursors count in it. */
  revision: number;
}

/** The value of `/lcm/consumers/{name}`: the last revision this consumer has fully handled. */
export interface ConsumerCursor {
  revision: number;
  updatedAt: string;
}
