import {
  AuditEventRepository,
  CloudEvent,
  StoreUnavailableError,
} from '@lcm/doc-store';
import { ConsumedEvent, OutboxConsumer } from '@lcm/events';
import { KeyLayout, StateStore, StoreLogger } from '@lcm/state-store';
import { AuditSinkMetrics } from './audit-sink-metrics';

/** The cursor name (`{prefix}/consumers/audit-sink`), shared by every replica. */
export const AUDIT_SINK_CONSUMER = 'audit-sink';

const MAX_UNAVAILABLE_BACKOFF_MS = 5_000;

export interface AuditEventIngestorOptions {
  store: StateStore;
  keys: KeyLayout;
  repository: AuditEventRepository;
  metrics: AuditSinkMetrics;
  /** Events per insertMany. */
  batchSize: number;
  /** Attempts per batch, then per event, before an event is dead-lettered. */
  maxAttempts: number;
  /** First retry delay (doubled per attempt), for failed inserts and while MongoDB is unavailable. */
  retryDelayMs?: number;
  logger?: StoreLogger;
}

/**
 * Copies the etcd outbox into `audit_events`: an OutboxConsumer (from the beginning of the outbox)
 * whose handler stores each batch with one `insertMany`; the consumer advances its cursor only once
 * the batch is stored. Re-deliveries (after a crash, or from another replica) are duplicates on the
 * unique (source, id) index and are ignored, so every event is stored exactly once.
 *
 * A batch MongoDB refuses is retried, then split by the consumer to isolate the event it cannot
 * store, which goes to the dead letters while the stream moves on. MongoDB being *unreachable* is not
 * such a failure: the handler waits for it (with backoff) instead, so an outage never dead-letters.
 */
export class AuditEventIngestor {
  private consumer?: OutboxConsumer;
  private running = false;
  private stopping = false;
  private interruptWait?: () => void;

  constructor(private readonly options: AuditEventIngestorOptions) {}

  /** True between a successful start() and stop(). */
  get started(): boolean {
    return this.running;
  }

  /** The last outbox revision stored (the consumer's cursor). */
  get revision(): number {
    return this.consumer?.revision ?? 0;
  }

  async start(): Promise<void> {
    const {
      store,
      keys,
      batchSize,
      maxAttempts,
      retryDelayMs,
      logger,
      metrics,
    } = this.options;
    this.stopping = false;
    this.consumer = new OutboxConsumer({
      name: AUDIT_SINK_CONSUMER,
      store,
      keys,
      startFrom: 'beginning',
      batchSize,
      maxAttempts,
      retryDelayMs,
      logger,
      metrics: metrics.outbox,
      handle: (batch) => this.storeBatch(batch),
    });
    await this.consumer.start();
    this.running = true;
  }

  /** Stops reading; what was already read is stored first (or left for the next start). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.interruptWait?.();
    await this.consumer?.stop();
    this.running = false;
  }

  /** Revisions between the store head and the cursor; also sets the lag gauge. */
  async lag(): Promise<number> {
    return this.consumer ? this.consumer.lag() : 0;
  }

  private async storeBatch(batch: ConsumedEvent[]): Promise<void> {
    const events: CloudEvent[] = batch.map((item) => item.event);
    // Where each event was committed: the audit trail's order (AUDIT_ORDER).
    const commits = batch.map((item) => ({
      revision: item.revision,
      position: item.position,
    }));
    let delay = this.options.retryDelayMs ?? 100;
    for (;;) {
      try {
        const { inserted, duplicates } =
          await this.options.repository.insertMany(events, commits);
        this.options.metrics.stored.inc(inserted);
        this.options.metrics.duplicates.inc(duplicates);
        return;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || this.stopping)
          throw error;
        this.options.metrics.storeWaits.inc();
        this.options.logger?.warn(
          `MongoDB unavailable, ${events.length} events wait (retry in ${delay} ms): ${error.message}`,
          'AuditSink',
        );
        await this.wait(delay);
        // Stopping while waiting: fail the attempt; the consumer keeps its cursor and re-delivers on restart.
        if (this.stopping) throw error;
        delay = Math.min(delay * 2, MAX_UNAVAILABLE_BACKOFF_MS);
      }
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.interruptWait = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interruptWait = done;
    });
  }
}
