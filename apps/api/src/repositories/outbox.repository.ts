import { Inject, Injectable } from '@nestjs/common';
import { STATE_STORE } from '@lcm/runtime';
import {
  KeyLayout,
  KeyValue,
  OutboxEvent,
  StateStore,
  Watch,
  WatchHandlers,
} from '@lcm/state-store';

/**
 * The etcd outbox (`{prefix}/events/{id}`) as the api reads it and, for document events only, writes
 * it: state changes put their events in the same transaction as the records (InstanceStore /
 * WorkerStore.commit); a definition's events follow its document, written create-only.
 */
@Injectable()
export class OutboxRepository {
  constructor(
    @Inject(STATE_STORE) private readonly store: StateStore,
    private readonly keys: KeyLayout,
  ) {}

  /** Writes the event unless an event with its id is already there; true when this call wrote it. */
  async putIfAbsent(event: OutboxEvent): Promise<boolean> {
    const key = this.keys.event(event.id);
    const result = await this.store.txn({
      compare: [{ key, target: 'createRevision', op: '=', value: 0 }],
      success: [{ type: 'put', key, value: JSON.stringify(event) }],
    });
    return result.succeeded;
  }

  async has(eventId: string): Promise<boolean> {
    return (await this.store.get(this.keys.event(eventId))) !== undefined;
  }

  revision(): Promise<number> {
    return this.store.revision();
  }

  /** Outbox changes from `fromRevision` (inclusive), one batch per revision. */
  watch(fromRevision: number, handlers: WatchHandlers): Promise<Watch> {
    return this.store.watch(this.keys.eventsPrefix, fromRevision, handlers);
  }

  /** The outbox events still stored that were written after `revision`, in write order. */
  async listAfter(
    revision: number,
  ): Promise<{ kvs: KeyValue[]; revision: number }> {
    const listed = await this.store.list(this.keys.eventsPrefix);
    const kvs = listed.kvs
      .filter((kv) => kv.modRevision > revision)
      .sort(
        (a, b) =>
          a.modRevision - b.modRevision ||
          (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
      );
    return { kvs, revision: listed.revision };
  }
}
