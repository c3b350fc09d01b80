// Public API of @lcm/doc-store: the MongoDB repository layer, its sqlite driver (embedded default) and its memory twin.
// The documents' types and rules (LabletDefinition, WorkerTemplate, their validation, versions, lab
// YAML placeholders, ValidationError) are the domain's: import them from @lcm/domain.

export * from './errors';
export type { DocStoreLogger } from './logger';
export type { RepositoryOptions } from './repository-options';
export {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  type Page,
  type PageRequest,
} from './pagination/page';
export {
  AUDIT_EVENTS_COLLECTION,
  LABLET_DEFINITIONS_COLLECTION,
  WORKER_TEMPLATES_COLLECTION,
} from './collections';

// Lablet definitions: the repository's results, filters and queries
export * from './lablet-definitions/lablet-definition.entity';
export type { LabletDefinitionRepository } from './lablet-definitions/lablet-definition.repository';
export { MongoLabletDefinitionRepository } from './lablet-definitions/mongo-lablet-definition.repository';
export { MemoryLabletDefinitionRepository } from './lablet-definitions/memory-lablet-definition.repository';
export { SqliteLabletDefinitionRepository } from './lablet-definitions/sqlite-lablet-definition.repository';

// Worker templates: the repository's filters, queries and seeding
export * from './worker-templates/worker-template.entity';
export type { WorkerTemplateRepository } from './worker-templates/worker-template.repository';
export { parseTemplateSeed } from './worker-templates/worker-template.seed';
export { defaultWorkerTemplatesPath } from './worker-templates/default-templates';
export { MongoWorkerTemplateRepository } from './worker-templates/mongo-worker-template.repository';
export { MemoryWorkerTemplateRepository } from './worker-templates/memory-worker-template.repository';
export { SqliteWorkerTemplateRepository } from './worker-templates/sqlite-worker-template.repository';

// Audit events
export * from './audit-events/audit-event.entity';
export {
  AUDIT_ORDER,
  auditSortKey,
  type AuditEventRepository,
  type AuditRecord,
  type AuditRepositoryOptions,
} from './audit-events/audit-event.repository';
export { validateCloudEvent } from './audit-events/audit-event.validation';
// The stored document of an audit record (the raw-insert baseline of the audit benchmark).
export { toAuditDocument } from './audit-events/audit-event.mapper';
export { MongoAuditEventRepository } from './audit-events/mongo-audit-event.repository';
export { MemoryAuditEventRepository } from './audit-events/memory-audit-event.repository';
export { SqliteAuditEventRepository } from './audit-events/sqlite-audit-event.repository';

// Stores, drivers and wiring
export type { DocStore, CommonDocStoreOptions } from './doc-store';
export { openDocStore, type DocStoreOptions } from './open-doc-store';
export {
  MongoConnection,
  redactUri,
  type IndexReport,
  type MongoConnectionOptions,
} from './mongo/mongo-connection';
export {
  MongoDocStore,
  registerDocStoreModels,
  type DocStoreModels,
  type MongoDocStoreOptions,
} from './mongo/mongo-doc-store';
export {
  MemoryDocStore,
  type MemoryDocStoreOptions,
} from './memory/memory-doc-store';
export {
  SqliteDocStore,
  type SqliteDocStoreOptions,
} from './sqlite/sqlite-doc-store';
export {
  DocStoreModule,
  DocStoreShutdown,
  type DocStoreModuleAsyncOptions,
} from './nest/doc-store.module';
export * from './nest/doc-store.tokens';
