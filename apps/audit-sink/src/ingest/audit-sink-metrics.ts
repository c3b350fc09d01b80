import { OutboxMetrics } from '@lcm/events';
import { Counter, Registry } from 'prom-client';

/**
 * What the audit-sink reports on /metrics: the outbox consumer's own series (handled, retries, dead
 * letters, cursor, lag) plus what reached MongoDB, re-deliveries, and the janitor's deletions.
 */
export class AuditSinkMetrics {
  readonly outbox: OutboxMetrics;
  readonly stored: Counter;
  readonly duplicates: Counter;
  readonly storeWaits: Counter;
  readonly outboxDeleted: Counter;

  constructor(registry: Registry) {
    this.outbox = new OutboxMetrics(registry);
    this.stored = counter(
      registry,
      'lcm_audit_events_stored_total',
      'CloudEvents written to audit_events',
    );
    this.duplicates = counter(
      registry,
      'lcm_audit_events_duplicates_total',
      'Re-delivered CloudEvents already in audit_events (ignored)',
    );
    this.storeWaits = counter(
      registry,
      'lcm_audit_store_unavailable_total',
      'Batches that waited because MongoDB was unavailable',
    );
    this.outboxDeleted = counter(
      registry,
      'lcm_outbox_gc_deleted_total',
      'Outbox keys the janitor deleted (consumed by every consumer and past retention)',
    );
  }
}

function counter(registry: Registry, name: string, help: string): Counter {
  return (
    (registry.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, registers: [registry] })
  );
}
