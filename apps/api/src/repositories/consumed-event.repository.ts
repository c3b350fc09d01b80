import { Inject, Injectable } from '@nestjs/common';
import { Conflict, InstanceChange } from '@lcm/domain';
import { toOutboxEvents } from '@lcm/events';
import { STATE_STORE } from '@lcm/runtime';
import { KeyLayout, Lease, StateStore } from '@lcm/state-store';
import { API_CONFIG } from '../app/api-config.token';
import { API_EVENT_SOURCE } from '../app/event-source';
import type { ApiConfig } from '../config';

/** The consumed CloudEvent a transition answers: its dedup identity (docs/api.md#cloudevents-in: `source` + `id`). */
export interface ConsumedEventRef {
  source: string;
  id: string;
  type: string;
}

/** New dedup leases are granted at most this often; each lives the dedup TTL plus this, so a marker lives at least the TTL. */
const LEASE_ROTATION_MS = 60 * 60 * 1000;

/**
 * Commits the instance transition a consumed CloudEvent causes together with its dedup marker
 * (`{prefix}/events-processed/{source}/{id}`, bound to a lease that expires after the dedup TTL), in
 * ONE etcd transaction: the event is applied exactly once, or not at all, even when the api crashes
 * or the sender retries at the same moment.
 */
@Injectable()
export class ConsumedEventRepository {
  private lease?: { granted: number; lease: Promise<Lease> };

  constructor(
    @Inject(STATE_STORE) private readonly store: StateStore,
    private readonly keys: KeyLayout,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async isProcessed(event: ConsumedEventRef): Promise<boolean> {
    return (
      (await this.store.get(this.keys.processed(event.source, event.id))) !==
      undefined
    );
  }

  /**
   * `committed`, or `duplicate` when the marker appeared meanwhile (nothing written). Throws the
   * domain Conflict when the instance changed since `expectedRevision` (re-read and decide again).
   */
  async commit(
    change: InstanceChange,
    expectedRevision: number,
    event: ConsumedEventRef,
    now: string,
  ): Promise<'committed' | 'duplicate'> {
    if (change.capacity || change.ports)
      throw new Error('a consumed event never moves worker resources');
    const instanceKey = this.keys.instance(change.instance.id);
    const marker = this.keys.processed(event.source, event.id);
    const markerValue = JSON.stringify({
      source: event.source,
      id: event.id,
      type: event.type,
      subject: change.instance.id,
      processedAt: now,
    });
    const outbox = toOutboxEvents(change.events, API_EVENT_SOURCE);
    for (let attempt = 1; ; attempt++) {
      const lease = await this.currentLease();
      try {
        const result = await this.store.txn({
          compare: [
            {
              key: instanceKey,
              target: 'modRevision',
              op: '=',
              value: expectedRevision,
            },
            { key: marker, target: 'createRevision', op: '=', value: 0 },
          ],
          success: [
            {
              type: 'put',
              key: instanceKey,
              value: JSON.stringify(change.instance),
            },
            ...outbox.map((e) => ({
              type: 'put' as const,
              key: this.keys.event(e.id),
              value: JSON.stringify(e),
            })),
            { type: 'put', key: marker, value: markerValue, lease: lease.id },
          ],
          failureReads: [instanceKey, marker],
        });
        if (result.succeeded) return 'committed';
        if (result.reads.some((kv) => kv.key === marker)) return 'duplicate';
        throw new Conflict(
          'instance',
          change.instance.id,
          'changed since it was read (stale revision)',
        );
      } catch (error) {
        // The lease expired or was lost with an etcd restart: take a new one and try once more.
        if (
          attempt === 1 &&
          error instanceof Error &&
          /lease not found/i.test(error.message)
        ) {
          this.lease = undefined;
          continue;
        }
        throw error;
      }
    }
  }

  private async currentLease(): Promise<Lease> {
    const current = this.lease;
    if (current && Date.now() - current.granted < LEASE_ROTATION_MS) {
      const lease = await current.lease.catch(() => undefined);
      if (lease && !lease.isLost()) return lease;
    }
    const ttlSeconds = Math.ceil(
      (this.config.eventDedupHours * 3600 * 1000 + LEASE_ROTATION_MS) / 1000,
    );
    const granted = {
      granted: Date.now(),
      lease: this.store.grantLease(ttlSeconds, { keepAlive: false }),
    };
    this.lease = granted;
    return granted.lease;
  }
}
