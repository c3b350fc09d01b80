import { errorMessage } from '@lcm/domain';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { OutboxJanitor } from '@lcm/events';
import { STATE_STORE } from '@lcm/runtime';
import { KeyLayout, StateStore } from '@lcm/state-store';
import { AUDIT_SINK_CONFIG } from '../app/audit-sink.tokens';
import { AuditSinkConfig } from '../config';
import { AuditSinkMetrics } from '../ingest/audit-sink-metrics';

/**
 * Sweeps the outbox every OUTBOX_GC_INTERVAL_SECONDS: keys every registered consumer is past and
 * older than OUTBOX_RETENTION_MINUTES are deleted. Every replica sweeps; each delete compares the
 * key's mod revision, so concurrent sweeps only repeat work, never delete a newer value.
 */
@Injectable()
export class OutboxGcService
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('OutboxJanitor');
  private readonly janitor: OutboxJanitor;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @Inject(AUDIT_SINK_CONFIG) private readonly config: AuditSinkConfig,
    @Inject(STATE_STORE) store: StateStore,
    keys: KeyLayout,
    private readonly metrics: AuditSinkMetrics,
  ) {
    this.janitor = new OutboxJanitor({
      store,
      keys,
      retentionMs: config.outbox.retentionMinutes * 60_000,
      logger: this.logger,
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.sweep(),
      this.config.outbox.gcIntervalSeconds * 1000,
    );
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One sweep; skipped while the previous one still runs. Returns how many keys went. */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    let deleted = 0;
    this.sweeping = (async () => {
      try {
        deleted = (await this.janitor.sweep()).deleted;
        this.metrics.outboxDeleted.inc(deleted);
      } catch (error) {
        this.logger.warn(
          `outbox sweep failed (next in ${this.config.outbox.gcIntervalSeconds} s): ${errorMessage(error)}`,
        );
      } finally {
        this.sweeping = undefined;
      }
    })();
    await this.sweeping;
    return deleted;
  }
}
