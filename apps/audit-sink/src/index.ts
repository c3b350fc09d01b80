// The audit-sink's public entry point: what runs its ingestion in-process outside its own main (the
// benchmarks). Other projects import the audit-sink only from here, never a file inside it.
export { AuditEventIngestor } from './ingest/audit-event-ingestor';
export { AuditSinkMetrics } from './ingest/audit-sink-metrics';
export { AuditSinkModule } from './app/audit-sink.module';
export { loadAuditSinkConfig } from './config';
