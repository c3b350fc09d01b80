import type { Clock } from '@lcm/domain';
import type { AuditEventRepository } from './audit-events/audit-event.repository';
import type { LabletDefinitionRepository } from './lablet-definitions/lablet-definition.repository';
import type { DocStoreLogger } from './logger';
import type { WorkerTemplateRepository } from './worker-templates/worker-template.repository';

/** The three repositories over one driver, with the store's readiness and shutdown. */
export interface DocStore {
  readonly driver: 'mongo' | 'memory' | 'sqlite';
  readonly definitions: LabletDefinitionRepository;
  readonly templates: WorkerTemplateRepository;
  readonly auditEvents: AuditEventRepository;
  /** For `/readyz`: connected and indexes ensured (mongo); open (memory, sqlite). */
  isReady(): boolean;
  /** Flushes and disconnects; idempotent. */
  close(): Promise<void>;
}

/** Options every driver understands. */
export interface CommonDocStoreOptions {
  /** Audit events are kept this many days after they were recorded (default 365). */
  auditRetentionDays?: number;
  /** Where no TTL index expires audit events, how often they are purged (default 1 h). */
  purgeIntervalMs?: number;
  /** Seed worker templates from this YAML file once the store is open (create-only; the api does this). */
  seedTemplatesFile?: string;
  logger?: DocStoreLogger;
  /** The clock of every timestamp the store writes and of audit retention (default systemClock). */
  clock?: Clock;
  newId?: () => string;
}
