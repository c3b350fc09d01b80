import { OutboxEvent } from '@lcm/state-store';

/** An outbox event as a consumer receives it: the CloudEvent and the etcd revision that wrote it. */
export interface ConsumedEvent {
  event: OutboxEvent;
  /** Mod revision of the outbox key: events are consumed in this order, and cursors count in it. */
  revision: number;
  /**
   * The event's place among the events of its revision, from 0: the order of the transaction's
   * writes as the watch reports them. With the revision, the commit order (the audit trail's order).
   * After a compaction the outbox is re-listed, which gives a revision's events in key order instead.
   */
  position: number;
}

/** The value of `/lcm/consumers/{name}`: the last revision this consumer has fully handled. */
export interface ConsumerCursor {
  revision: number;
  updatedAt: string;
}
