import { KeyLayout, KeyValue, StateStore, StoreLogger } from '@lcm/state-store';
import { ConsumerCursor } from './consumed-event';

export interface OutboxJanitorOptions {
  store: StateStore;
  keys: KeyLayout;
  /** Keep events at least this long, whoever has consumed them (SSE clients resume within it). */
  retentionMs: number;
  logger?: StoreLogger;
}

/**
 * Deletes outbox keys once every registered consumer's cursor is past them AND the retention period
 * has passed, so etcd stays small. With no registered consumer nothing is deleted.
 */
export class OutboxJanitor {
  constructor(private readonly options: OutboxJanitorOptions) {}

  async sweep(
    now: number = Date.now(),
  ): Promise<{ deleted: number; minCursor: number | undefined }> {
    const { store, keys, retentionMs } = this.options;
    const cursors = (await store.list(keys.consumersPrefix)).kvs.map(
      (kv) => (JSON.parse(kv.value) as ConsumerCursor).revision,
    );
    if (cursors.length === 0) return { deleted: 0, minCursor: undefined };
    const minCursor = Math.min(...cursors);
    const { kvs } = await store.list(keys.eventsPrefix);
    const deletable = kvs.filter(
      (kv) => kv.modRevision <= minCursor && eventTime(kv) <= now - retentionMs,
    );
    let deleted = 0;
    for (let i = 0; i < deletable.length; i += 64) {
      const chunk = deletable.slice(i, i + 64);
      // Delete each key only if it is still the event we looked at.
      for (const kv of chunk) {
        const res = await store.txn({
          compare: [
            {
              key: kv.key,
              target: 'modRevision',
              op: '=',
              value: kv.modRevision,
            },
          ],
          success: [{ type: 'delete', key: kv.key }],
        });
        if (res.succeeded) deleted++;
      }
    }
    if (deleted > 0)
      this.options.logger?.log(
        `outbox: deleted ${deleted} events consumed by every consumer (cursor ${minCursor})`,
        'OutboxJanitor',
      );
    return { deleted, minCursor };
  }
}

function eventTime(kv: KeyValue): number {
  try {
    const time = Date.parse(
      (JSON.parse(kv.value) as { time?: string }).time ?? '',
    );
    return Number.isNaN(time) ? 0 : time;
  } catch {
    return 0;
  }
}
