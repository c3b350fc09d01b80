import { errorMessage } from '@lcm/domain';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { AUDIT_EVENT_REPOSITORY, AuditEventRepository } from '@lcm/doc-store';
import { ReadinessChecks, STATE_STORE } from '@lcm/runtime';
import { KeyLayout, StateStore } from '@lcm/state-store';
import { AUDIT_SINK_CONFIG } from '../app/audit-sink.tokens';
import { AuditSinkConfig } from '../config';
import { AuditEventIngestor } from './audit-event-ingestor';
import { AuditSinkMetrics } from './audit-sink-metrics';

const START_RETRY_MAX_MS = 30_000;

/**
 * Runs the ingestor for the app's lifetime: started at bootstrap (a failed start is retried in the
 * background while /readyz says why), stopped at shutdown before the stores close. Every replica
 * runs it: inserts are idempotent, so replicas reading the same events store each one once.
 */
@Injectable()
export class AuditIngestService
  implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('AuditSink');
  readonly ingestor: AuditEventIngestor;
  private lagTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private starting?: Promise<void>;
  private startError?: string;
  private shuttingDown = false;

  constructor(
    @Inject(AUDIT_SINK_CONFIG) private readonly config: AuditSinkConfig,
    @Inject(STATE_STORE) store: StateStore,
    keys: KeyLayout,
    @Inject(AUDIT_EVENT_REPOSITORY) repository: AuditEventRepository,
    metrics: AuditSinkMetrics,
    private readonly readiness: ReadinessChecks,
  ) {
    const { batchSize, maxAttempts, retryDelayMs } = config.ingest;
    this.ingestor = new AuditEventIngestor({
      store,
      keys,
      repository,
      metrics,
      batchSize,
      maxAttempts,
      retryDelayMs,
      logger: this.logger,
    });
  }

  onModuleInit(): void {
    this.readiness.register({
      name: 'audit-consumer',
      check: () =>
        this.ingestor.started ||
        `the outbox consumer has not started${this.startError ? `: ${this.startError}` : ''}`,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start(1_000);
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.lagTimer);
    await this.starting?.catch(() => undefined);
    await this.ingestor.stop();
  }

  private async start(nextDelayMs: number): Promise<void> {
    if (this.shuttingDown) return;
    this.starting = this.ingestor.start();
    try {
      await this.starting;
      this.startError = undefined;
      this.logger.log(
        `consuming the outbox from revision ${this.ingestor.revision} (batches of ${this.config.ingest.batchSize})`,
      );
      this.lagTimer = setInterval(
        () => void this.refreshLag(),
        this.config.ingest.lagIntervalMs,
      );
      this.lagTimer.unref();
      await this.refreshLag();
    } catch (error) {
      this.startError = errorMessage(error);
      this.logger.error(
        `the outbox consumer could not start (retry in ${nextDelayMs} ms): ${this.startError}`,
      );
      await this.ingestor.stop().catch(() => undefined);
      this.retryTimer = setTimeout(
        () => void this.start(Math.min(nextDelayMs * 2, START_RETRY_MAX_MS)),
        nextDelayMs,
      );
      this.retryTimer.unref();
    }
  }

  private async refreshLag(): Promise<void> {
    try {
      await this.ingestor.lag();
    } catch (error) {
      this.logger.warn(`cannot read the consumer lag: ${errorMessage(error)}`);
    }
  }
}
