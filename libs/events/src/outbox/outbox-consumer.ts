import {
  KeyLayout,
  KeyValue,
  OutboxEvent,
  parseOutboxEvent,
  PrefixInformer,
  StateStore,
  StoreLogger,
  StoreObserver,
  WatchBatch,
} from '@lcm/state-store';
import {
  ExponentialBackoff,
  handleWhen,
  noJitterGenerator,
  retry,
} from 'cockatiel';
import { ConsumedEvent, ConsumerCursor } from './consumed-event';
import { OutboxMetrics } from './outbox-metrics';

export interface OutboxConsumerOptions {
  /** Cursor key name: one cursor per logical consumer, shared by its replicas. */
  name: string;
  store: StateStore;
  keys: KeyLayout;
  /** Handles a batch of events in revision order; resolve only once they are durably handled. */
  handle(events: ConsumedEvent[]): Promise<void>;
  /** Events per handler call (default 1). Batches never hold more than this. */
  batchSize?: number;
  /** How long a partial batch may wait for more events (default 25 ms). */
  lingerMs?: number;
  /** Attempts per batch/event before an event is dead-lettered (default 5). */
  maxAttempts?: number;
  /** First retry delay, doubled each attempt (default 100 ms). */
  retryDelayMs?: number;
  /** Where a new consumer (no cursor yet) starts: every retained event, or only new ones. */
  startFrom?: 'beginning' | 'now';
  logger?: StoreLogger;
  metrics?: OutboxMetrics;
}

interface Undecodable {
  undecodable: KeyValue;
  revision: number;
  error: Error;
}

/** Numbers the events of each revision from 0, in the order they are seen (a revision is never split across batches). */
class RevisionPositions {
  private revision = -1;
  private position = 0;

  next(revision: number): number {
    if (revision !== this.revision) {
      this.revision = revision;
      this.position = 0;
    }
    return this.position++;
  }
}

class ConsumerStoppedError extends Error {
  constructor(name: string) {
    super(`consumer ${name} stopped`);
  }
}

/**
 * Reads the etcd outbox from its cursor, in revision order, and hands events to its handler; the
 * cursor advances only after the handler succeeded, so a crash re-delivers (handlers are idempotent)
 * and never skips. A batch that keeps failing is split to find the poison event, which goes to a
 * dead-letter key with its error; the stream moves on. After a compaction the consumer re-lists the
 * outbox (its keys are live keys, so nothing is lost) and continues after its cursor.
 */
export class OutboxConsumer {
  private informer?: PrefixInformer;
  private cursorRevision = 0;
  private buffer: (ConsumedEvent | Undecodable)[] = [];
  private lingerTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly batchSize: number;

  constructor(private readonly options: OutboxConsumerOptions) {
    this.batchSize = Math.max(1, options.batchSize ?? 1);
  }

  /** The last revision fully handled (and persisted as the cursor). */
  get revision(): number {
    return this.cursorRevision;
  }

  async start(): Promise<void> {
    const { store, keys, name } = this.options;
    this.stopped = false;
    const cursor = await store.get(keys.consumer(name));
    if (cursor) {
      this.cursorRevision = (
        JSON.parse(cursor.value) as ConsumerCursor
      ).revision;
    } else {
      this.cursorRevision =
        this.options.startFrom === 'now' ? await store.revision() : 0;
      await this.saveCursor(this.cursorRevision, 'absent');
    }
    this.informer = new PrefixInformer(
      store,
      keys.eventsPrefix,
      {
        onSnapshot: (kvs) => this.onSnapshot(kvs),
        onBatch: (batch) => this.onBatch(batch),
      },
      {
        name: `outbox:${name}`,
        afterRevision: this.cursorRevision,
        observer: new StoreObserver(this.options.logger),
      },
    );
    await this.informer.start();
  }

  /** Stops reading; handles what was already buffered first. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
    clearTimeout(this.lingerTimer);
    await this.flush();
  }

  /** Lag in revisions behind the store head (for metrics and readiness). */
  async lag(): Promise<number> {
    const head = await this.options.store.revision();
    const lag = Math.max(0, head - this.cursorRevision);
    this.options.metrics?.lag.set({ consumer: this.options.name }, lag);
    return lag;
  }

  private async onSnapshot(kvs: KeyValue[]): Promise<void> {
    // Re-listed after a compaction: every live outbox key after our cursor, in revision order.
    const pending = kvs
      .filter((kv) => kv.modRevision > this.cursorRevision)
      .sort((a, b) => a.modRevision - b.modRevision);
    const positions = new RevisionPositions();
    for (const kv of pending)
      await this.enqueue([this.decode(kv, positions.next(kv.modRevision))]);
  }

  private async onBatch(batch: WatchBatch): Promise<void> {
    const puts = batch.events.filter(
      (e) => e.type === 'put' && e.kv.modRevision > this.cursorRevision,
    );
    // All events of one revision are buffered before any flush decision, so the cursor never
    // lands in the middle of a revision.
    const positions = new RevisionPositions();
    if (puts.length > 0)
      await this.enqueue(
        puts.map((e) => this.decode(e.kv, positions.next(e.kv.modRevision))),
      );
  }

  private decode(kv: KeyValue, position: number): ConsumedEvent | Undecodable {
    try {
      return {
        event: parseOutboxEvent(kv.value),
        revision: kv.modRevision,
        position,
      };
    } catch (error) {
      return {
        undecodable: kv,
        revision: kv.modRevision,
        error: error instanceof Error ? error : new Error(String(error)),
      };
    }
  }

  private async enqueue(items: (ConsumedEvent | Undecodable)[]): Promise<void> {
    this.buffer.push(...items);
    if (this.buffer.length >= this.batchSize) {
      await this.flush();
    } else if (!this.lingerTimer) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = undefined;
        void this.flush().catch((error: unknown) =>
          this.options.logger?.error(
            `consumer ${this.options.name}: ${String(error)}`,
            'OutboxConsumer',
          ),
        );
      }, this.options.lingerMs ?? 25);
    }
  }

  /**
   * Hands everything buffered over in chunks of at most batchSize, advancing the cursor after each
   * chunk to the last revision it completed (a chunk that ends inside a revision leaves the cursor
   * before that revision: a crash then re-delivers the whole revision). Serialized.
   */
  private flush(): Promise<void> {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.flushing = this.flushing.then(async () => {
      while (this.buffer.length > 0) {
        const chunk = this.takeChunk();
        try {
          await this.deliverChunk(chunk);
        } catch (error) {
          if (error instanceof ConsumerStoppedError) {
            this.buffer = [];
            return;
          }
          throw error;
        }
        const last = chunk[chunk.length - 1].revision;
        const revisionOpen =
          this.buffer.length > 0 && this.buffer[0].revision === last;
        const done = revisionOpen ? last - 1 : last;
        if (done > this.cursorRevision) await this.saveCursor(done);
      }
    });
    return this.flushing;
  }

  /** Up to batchSize handleable events, or a single undecodable one. */
  private takeChunk(): (ConsumedEvent | Undecodable)[] {
    if ('undecodable' in this.buffer[0]) return this.buffer.splice(0, 1);
    const end = this.buffer.findIndex(
      (item, i) => i >= this.batchSize || 'undecodable' in item,
    );
    return this.buffer.splice(0, end === -1 ? this.buffer.length : end);
  }

  private async deliverChunk(
    chunk: (ConsumedEvent | Undecodable)[],
  ): Promise<void> {
    const [first] = chunk;
    if ('undecodable' in first) {
      // Nothing can handle it: straight to the dead letters.
      const id = first.undecodable.key.slice(
        this.options.keys.eventsPrefix.length,
      );
      await this.deadLetter(
        { id, raw: first.undecodable.value },
        first.revision,
        first.error,
        0,
      );
      return;
    }
    await this.deliver(chunk as ConsumedEvent[]);
  }

  private async deliver(batch: ConsumedEvent[]): Promise<void> {
    const error = await this.attempt(batch);
    if (!error) return;
    // Stopping mid-retry: leave the cursor where it is; the events are re-delivered on restart.
    if (this.stopped) throw new ConsumerStoppedError(this.options.name);
    if (batch.length > 1) {
      // Isolate the poison: one at a time, so good events still get through.
      for (const single of batch) await this.deliver([single]);
      return;
    }
    await this.deadLetter(
      batch[0].event,
      batch[0].revision,
      error,
      this.options.maxAttempts ?? 5,
    );
  }

  /**
   * Runs the handler with retries (exponential backoff, doubled up to 10 s; no new attempt once the
   * consumer is stopping); returns the last error, or undefined on success.
   */
  private async attempt(batch: ConsumedEvent[]): Promise<Error | undefined> {
    const attempts = this.options.maxAttempts ?? 5;
    // No new attempt once the consumer is stopping: the batch stays for the next start.
    const stopping = new Error('stopping');
    const policy = retry(
      handleWhen((error) => error !== stopping),
      {
        maxAttempts: attempts - 1,
        backoff: new ExponentialBackoff({
          initialDelay: this.options.retryDelayMs ?? 100,
          maxDelay: 10_000,
          generator: noJitterGenerator,
        }),
      },
    );
    policy.onRetry((event) => {
      const message =
        'error' in event ? asError(event.error).message : 'no result';
      this.options.metrics?.retries.inc({ consumer: this.options.name });
      this.options.logger?.warn(
        `consumer ${this.options.name}: handler failed (attempt ${event.attempt}/${attempts}, ${batch.length} events): ${message}`,
        'OutboxConsumer',
      );
    });
    let last: Error | undefined;
    try {
      await policy.execute(async ({ attempt }) => {
        if (this.stopped && attempt > 0) throw stopping;
        try {
          await this.options.handle(batch);
        } catch (error) {
          last = asError(error);
          throw last;
        }
      });
    } catch {
      return last;
    }
    this.options.metrics?.handled.inc(
      { consumer: this.options.name },
      batch.length,
    );
    return undefined;
  }

  private async deadLetter(
    event: OutboxEvent | { id: string; raw: string },
    revision: number,
    error: Error,
    attempts: number,
  ): Promise<void> {
    const { store, keys, name } = this.options;
    const id = typeof event.id === 'string' ? event.id : String(revision);
    await store.txn({
      compare: [],
      success: [
        {
          type: 'put',
          key: keys.deadLetter(name, encodeURIComponent(id)),
          value: JSON.stringify({
            event,
            revision,
            error: error.message,
            attempts,
            at: new Date().toISOString(),
          }),
        },
      ],
    });
    this.options.metrics?.deadLettered.inc({ consumer: name });
    this.options.logger?.error(
      `consumer ${name}: event ${id} (revision ${revision}) moved to dead letters after ${attempts} attempts: ${error.message}`,
      'OutboxConsumer',
    );
  }

  private async saveCursor(
    revision: number,
    expected?: 'absent',
  ): Promise<void> {
    const { store, keys, name } = this.options;
    const value: ConsumerCursor = {
      revision,
      updatedAt: new Date().toISOString(),
    };
    await store.txn({
      compare:
        expected === 'absent'
          ? [
              {
                key: keys.consumer(name),
                target: 'createRevision',
                op: '=',
                value: 0,
              },
            ]
          : [],
      success: [
        { type: 'put', key: keys.consumer(name), value: JSON.stringify(value) },
      ],
    });
    this.cursorRevision = Math.max(this.cursorRevision, revision);
    this.options.metrics?.cursor.set({ consumer: name }, this.cursorRevision);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
