import { Counter, Gauge, Registry } from 'prom-client';

/** Per-consumer metrics: throughput, dead letters, and lag behind the outbox head. */
export class OutboxMetrics {
  readonly handled: Counter<'consumer'>;
  readonly deadLettered: Counter<'consumer'>;
  readonly retries: Counter<'consumer'>;
  readonly lag: Gauge<'consumer'>;
  readonly cursor: Gauge<'consumer'>;

  constructor(registry: Registry) {
    this.handled = metric(
      registry,
      'lcm_outbox_events_handled_total',
      () =>
        new Counter({
          name: 'lcm_outbox_events_handled_total',
          help: 'Outbox events a consumer handled',
          labelNames: ['consumer'],
          registers: [registry],
        }),
    );
    this.deadLettered = metric(
      registry,
      'lcm_outbox_dead_letters_total',
      () =>
        new Counter({
          name: 'lcm_outbox_dead_letters_total',
          help: 'Events a consumer gave up on and moved to its dead-letter keys',
          labelNames: ['consumer'],
          registers: [registry],
        }),
    );
    this.retries = metric(
      registry,
      'lcm_outbox_handler_retries_total',
      () =>
        new Counter({
          name: 'lcm_outbox_handler_retries_total',
          help: 'Failed handler attempts that were retried',
          labelNames: ['consumer'],
          registers: [registry],
        }),
    );
    this.lag = metric(
      registry,
      'lcm_outbox_consumer_lag_revisions',
      () =>
        new Gauge({
          name: 'lcm_outbox_consumer_lag_revisions',
          help: 'Outbox head revision minus the consumer cursor',
          labelNames: ['consumer'],
          registers: [registry],
        }),
    );
    this.cursor = metric(
      registry,
      'lcm_outbox_consumer_cursor_revision',
      () =>
        new Gauge({
          name: 'lcm_outbox_consumer_cursor_revision',
          help: 'Last revision the consumer has fully handled',
          labelNames: ['consumer'],
          registers: [registry],
        }),
    );
  }
}

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
