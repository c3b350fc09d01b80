import { Controller, DynamicModule, Inject, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  AuditEventRepository,
  CloudEvent,
  StoreUnavailableError,
} from '@lcm/doc-store';
import { BATCH_HANDLER, ConsumedEvent } from '@lcm/events';
import { StoreLogger } from '@lcm/state-store';
import {
  ExponentialBackoff,
  handleWhen,
  noJitterGenerator,
  retry,
} from 'cockatiel';
import { AuditSinkMetrics } from './audit-sink-metrics';

const MAX_UNAVAILABLE_BACKOFF_MS = 5_000;

export interface AuditEventWriterOptions {
  repository: AuditEventRepository;
  metrics: AuditSinkMetrics;
  /** First wait while MongoDB is unavailable, doubled per wait (default 100 ms, at most 5 s). */
  retryDelayMs?: number;
  logger?: StoreLogger;
}

/**
 * Stores a batch with one `insertMany`. Re-deliveries are duplicates on the unique (source, id) index
 * and are ignored. A batch MongoDB refuses fails (the transport retries, then isolates the poison);
 * MongoDB being *unreachable* is not such a failure: the write waits for it (with backoff), so an
 * outage never dead-letters. `interrupt()` (at shutdown) ends the wait with the outage's error, so
 * the cursor stays before the batch and the next start re-delivers it.
 */
export class AuditEventWriter {
  private stopping = false;
  private interruptWait?: () => void;

  constructor(private readonly options: AuditEventWriterOptions) {}

  resume(): void {
    this.stopping = false;
  }

  interrupt(): void {
    this.stopping = true;
    this.interruptWait?.();
  }

  async store(batch: readonly ConsumedEvent[]): Promise<void> {
    const events: CloudEvent[] = batch.map((item) => item.event);
    // Where each event was committed: the audit trail's order (AUDIT_ORDER).
    const commits = batch.map((item) => ({
      revision: item.revision,
      position: item.position,
    }));
    let outage: StoreUnavailableError | undefined;
    const policy = retry(
      handleWhen(
        (error) => error instanceof StoreUnavailableError && !this.stopping,
      ),
      {
        maxAttempts: Infinity,
        backoff: new ExponentialBackoff({
          initialDelay: this.options.retryDelayMs ?? 100,
          maxDelay: MAX_UNAVAILABLE_BACKOFF_MS,
          generator: noJitterGenerator,
        }),
      },
    ).dangerouslyUnref();
    // interrupt() during a wait ends it at once with the outage's error (the policy's unreferenced
    // timer then finds the writer stopping and makes no further attempt).
    const interrupted = new Promise<never>((_, reject) => {
      policy.onRetry(({ delay }) => {
        this.options.metrics.storeWaits.inc();
        this.options.logger?.warn(
          `MongoDB unavailable, ${events.length} events wait (retry in ${delay} ms): ${outage?.message}`,
          'AuditSink',
        );
        this.interruptWait = () => reject(outage);
      });
    });
    const write = policy.execute(async () => {
      this.interruptWait = undefined;
      if (outage && this.stopping) throw outage;
      try {
        const { inserted, duplicates } =
          await this.options.repository.insertMany(events, commits);
        this.options.metrics.stored.inc(inserted);
        this.options.metrics.duplicates.inc(duplicates);
      } catch (error) {
        if (error instanceof StoreUnavailableError) outage = error;
        throw error;
      }
    });
    try {
      await Promise.race([write, interrupted]);
    } finally {
      this.interruptWait = undefined;
    }
  }
}

/** The audit-sink's outbox handler: every event type, a batch at a time, into `audit_events`. */
@Controller()
export class AuditEventsConsumer {
  constructor(
    @Inject(AuditEventWriter) private readonly writer: AuditEventWriter,
  ) {}

  @EventPattern('*', BATCH_HANDLER)
  store(@Payload() events: ConsumedEvent[]): Promise<void> {
    return this.writer.store(events);
  }
}

/** The microservice module that carries AuditEventsConsumer on the outbox transport. */
@Module({})
export class AuditEventsConsumerModule {
  static with(writer: AuditEventWriter): DynamicModule {
    return {
      module: AuditEventsConsumerModule,
      controllers: [AuditEventsConsumer],
      providers: [{ provide: AuditEventWriter, useValue: writer }],
    };
  }
}
