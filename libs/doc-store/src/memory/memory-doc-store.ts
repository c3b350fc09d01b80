import { join } from 'node:path';
import { MemoryAuditEventRepository } from '../audit-events/memory-audit-event.repository';
import { DEFAULT_PURGE_INTERVAL_MS, startRetentionPurge } from '../audit-events/retention-purge';
import { AUDIT_EVENTS_COLLECTION, LABLET_DEFINITIONS_COLLECTION, WORKER_TEMPLATES_COLLECTION } from '../collections';
import type { CommonDocStoreOptions, DocStore } from '../doc-store';
import { MemoryLabletDefinitionRepository } from '../lablet-definitions/memory-lablet-definition.repository';
import { silentLogger } from '../logger';
import { MemoryWorkerTemplateRepository } from '../worker-templates/memory-worker-template.repository';

export interface MemoryDocStoreOptions extends CommonDocStoreOptions {
  /**
   * Persist every collection as `<dataDir>/doc-store/<collection>.json` (atomic writes) and load it
   * at start, so the embedded default keeps its documents across restarts. Without it, nothing is kept.
   */
  dataDir?: string;
}

/** The memory driver: unit tests and the embedded default (one process, no servers). */
export class MemoryDocStore implements DocStore {
  readonly driver = 'memory' as const;
  readonly definitions: MemoryLabletDefinitionRepository;
  readonly templates: MemoryWorkerTemplateRepository;
  readonly auditEvents: MemoryAuditEventRepository;
  private closed = false;
  private stopPurge: (() => void) | null = null;

  /** Opens the store, starts the retention purge and seeds templates when asked. */
  static async open(options: MemoryDocStoreOptions = {}): Promise<MemoryDocStore> {
    const store = new MemoryDocStore(options);
    const logger = options.logger ?? silentLogger;
    store.stopPurge = startRetentionPurge(store.auditEvents, options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS, logger);
    if (options.seedTemplatesFile !== undefined) {
      const seeded = await store.templates.seedFromFile(options.seedTemplatesFile);
      logger.log(`doc-store: worker templates seeded: created [${seeded.created.join(', ')}], kept [${seeded.skipped.join(', ')}]`);
    }
    return store;
  }

  constructor(options: MemoryDocStoreOptions = {}) {
    const file = (collection: string): string | undefined =>
      options.dataDir === undefined ? undefined : join(options.dataDir, 'doc-store', `${collection}.json`);
    const common = { now: options.now, newId: options.newId };
    this.definitions = new MemoryLabletDefinitionRepository({ ...common, filePath: file(LABLET_DEFINITIONS_COLLECTION) });
    this.templates = new MemoryWorkerTemplateRepository({ ...common, filePath: file(WORKER_TEMPLATES_COLLECTION) });
    this.auditEvents = new MemoryAuditEventRepository({
      ...common,
      retentionDays: options.auditRetentionDays,
      filePath: file(AUDIT_EVENTS_COLLECTION),
    });
  }

  isReady(): boolean {
    return !this.closed;
  }

  /** Waits until every write is on disk. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopPurge?.();
    this.stopPurge = null;
    await Promise.all([this.definitions.settle(), this.templates.settle(), this.auditEvents.settle()]);
  }
}
