import { MemoryAuditEventRepository } from '../audit-events/memory-audit-event.repository';
import {
  DEFAULT_PURGE_INTERVAL_MS,
  startRetentionPurge,
} from '../audit-events/retention-purge';
import type { CommonDocStoreOptions, DocStore } from '../doc-store';
import { MemoryLabletDefinitionRepository } from '../lablet-definitions/memory-lablet-definition.repository';
import { silentLogger } from '../logger';
import { MemoryWorkerTemplateRepository } from '../worker-templates/memory-worker-template.repository';

export type MemoryDocStoreOptions = CommonDocStoreOptions;

/** The memory driver, for unit tests: nothing is kept on disk (the embedded default runs on sqlite). */
export class MemoryDocStore implements DocStore {
  readonly driver = 'memory' as const;
  readonly definitions: MemoryLabletDefinitionRepository;
  readonly templates: MemoryWorkerTemplateRepository;
  readonly auditEvents: MemoryAuditEventRepository;
  private closed = false;
  private stopPurge: (() => void) | null = null;

  /** Opens the store, starts the retention purge and seeds templates when asked. */
  static async open(
    options: MemoryDocStoreOptions = {},
  ): Promise<MemoryDocStore> {
    const store = new MemoryDocStore(options);
    const logger = options.logger ?? silentLogger;
    store.stopPurge = startRetentionPurge(
      store.auditEvents,
      options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS,
      logger,
    );
    if (options.seedTemplatesFile !== undefined) {
      const seeded = await store.templates.seedFromFile(
        options.seedTemplatesFile,
      );
      logger.log(
        `doc-store: worker templates seeded: created [${seeded.created.join(', ')}], kept [${seeded.skipped.join(', ')}]`,
      );
    }
    return store;
  }

  constructor(options: MemoryDocStoreOptions = {}) {
    const common = { clock: options.clock, newId: options.newId };
    this.definitions = new MemoryLabletDefinitionRepository(common);
    this.templates = new MemoryWorkerTemplateRepository(common);
    this.auditEvents = new MemoryAuditEventRepository({
      ...common,
      retentionDays: options.auditRetentionDays,
    });
  }

  isReady(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopPurge?.();
    this.stopPurge = null;
  }
}
