import { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuditEventRepository } from '@lcm/doc-store';
import { OutboxConsumer, OutboxHandlerErrors, OutboxServer } from '@lcm/events';
import { KeyLayout, StateStore, StoreLogger } from '@lcm/state-store';
import {
  AuditEventsConsumerModule,
  AuditEventWriter,
} from './audit-events.consumer';
import { AuditSinkMetrics } from './audit-sink-metrics';

/** The cursor name (`{prefix}/consumers/audit-sink`), shared by every replica. */
export const AUDIT_SINK_CONSUMER = 'audit-sink';

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
 * Copies the etcd outbox into `audit_events`: a NestJS microservice on the outbox transport
 * (OutboxServer, from the beginning of the outbox, in batches of `batchSize`) whose one
 * `@EventPattern` handler, AuditEventsConsumer, stores each batch with one `insertMany`. The
 * transport advances the cursor only once the batch is stored, retries a batch MongoDB refuses and
 * then splits it to dead-letter the event it cannot store; while MongoDB is unreachable the handler
 * waits instead (AuditEventWriter), so an outage never dead-letters. Every replica consumes with the
 * same cursor: re-deliveries are duplicates on the unique (source, id) index, so each event is stored
 * once.
 */
export class AuditEventIngestor {
  private microservice?: INestMicroservice;
  private server?: OutboxServer;
  private running = false;
  private readonly writer: AuditEventWriter;

  constructor(private readonly options: AuditEventIngestorOptions) {
    this.writer = new AuditEventWriter({
      repository: options.repository,
      metrics: options.metrics,
      retryDelayMs: options.retryDelayMs,
      logger: options.logger,
    });
  }

  /** True between a successful start() and stop(). */
  get started(): boolean {
    return this.running;
  }

  /** The last outbox revision stored (the consumer's cursor). */
  get revision(): number {
    return this.server?.unwrap<OutboxConsumer | undefined>()?.revision ?? 0;
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
    this.writer.resume();
    this.server = new OutboxServer({
      consumer: AUDIT_SINK_CONSUMER,
      store,
      keys,
      startFrom: 'beginning',
      batchSize,
      maxAttempts,
      retryDelayMs,
      logger,
      metrics: metrics.outbox,
    });
    // No `logger` option: Nest would make it the process-wide logger of every app.
    this.microservice = await NestFactory.createMicroservice(
      AuditEventsConsumerModule.with(this.writer),
      { strategy: this.server, abortOnError: false },
    );
    this.microservice.useGlobalFilters(new OutboxHandlerErrors());
    await this.microservice.listen();
    this.running = true;
  }

  /** Stops reading; what was already read is stored first (or left for the next start). */
  async stop(): Promise<void> {
    this.writer.interrupt();
    await this.microservice?.close();
    this.microservice = undefined;
    this.running = false;
  }

  /** Revisions between the store head and the cursor; also sets the lag gauge. */
  async lag(): Promise<number> {
    const consumer = this.server?.unwrap<OutboxConsumer | undefined>();
    return consumer ? consumer.lag() : 0;
  }
}
