import { Counter, Registry } from 'prom-client';

/**
 * The one logger port of LCM's libraries and app cores: the subset of a NestJS LoggerService they
 * write to (Nest's Logger and JsonLogger from @lcm/runtime fit). doc-store, the scheduler and the
 * controller name it for their callers (DocStoreLogger, SchedulerLogger, ControllerLogger) without
 * re-declaring it.
 */
export interface StoreLogger {
  log(message: string, context?: string): void;
  warn(message: string, context?: string): void;
  error(message: string, context?: string): void;
  debug?(message: string, context?: string): void;
}

/**
 * Counts and logs what the state store survives: watches re-listed after compaction or cancellation,
 * disconnects, and corrupt or unknown values skipped on read.
 */
export class StoreObserver {
  private readonly relists?: Counter<'watch'>;
  private readonly disconnects?: Counter<'watch'>;
  private readonly corrupt?: Counter<'kind'>;

  constructor(
    private readonly logger?: StoreLogger,
    registry?: Registry,
  ) {
    if (!registry) return;
    this.relists = counter(
      registry,
      'lcm_state_watch_relists_total',
      'Watches that were cancelled (compaction) and re-listed',
      ['watch'],
    );
    this.disconnects = counter(
      registry,
      'lcm_state_watch_disconnects_total',
      'Watch stream disconnects (resumed from the last revision)',
      ['watch'],
    );
    this.corrupt = counter(
      registry,
      'lcm_state_corrupt_values_total',
      'Values that failed to decode and were skipped',
      ['kind'],
    );
  }

  relisted(watch: string, reason: Error): void {
    this.relists?.inc({ watch });
    this.logger?.warn(
      `watch ${watch} cancelled (${reason.message}); re-listing`,
      'StateStore',
    );
  }

  disconnected(watch: string, reason: Error): void {
    this.disconnects?.inc({ watch });
    this.logger?.warn(
      `watch ${watch} disconnected (${reason.message}); resuming from the last revision`,
      'StateStore',
    );
  }

  reconnected(watch: string): void {
    this.logger?.log(`watch ${watch} reconnected`, 'StateStore');
  }

  corruptValue(kind: string, key: string, problem: string): void {
    this.corrupt?.inc({ kind });
    this.logger?.error(
      `skipping corrupt ${kind} value at ${key}: ${problem}`,
      'StateStore',
    );
  }
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
