import { openSqliteDatabase, type SqliteDatabase } from '@lcm/state-store';
import {
  DEFAULT_PURGE_INTERVAL_MS,
  startRetentionPurge,
} from '../audit-events/retention-purge';
import { SqliteAuditEventRepository } from '../audit-events/sqlite-audit-event.repository';
import type { CommonDocStoreOptions, DocStore } from '../doc-store';
import { SqliteLabletDefinitionRepository } from '../lablet-definitions/sqlite-lablet-definition.repository';
import { silentLogger } from '../logger';
import { SqliteWorkerTemplateRepository } from '../worker-templates/sqlite-worker-template.repository';

export interface SqliteDocStoreOptions extends CommonDocStoreOptions {
  /** An open database (the embedded default shares one with the state store); not closed by the store. */
  database?: SqliteDatabase;
  /** Or a file to open (created when absent); closed with the store. */
  path?: string;
}

/**
 * The sqlite driver: the embedded default's documents, in the same database file as its state
 * store. Every write is one SQLite transaction and returns after it committed.
 */
export class SqliteDocStore implements DocStore {
  readonly driver = 'sqlite' as const;
  readonly definitions: SqliteLabletDefinitionRepository;
  readonly templates: SqliteWorkerTemplateRepository;
  readonly auditEvents: SqliteAuditEventRepository;
  private closed = false;
  private stopPurge: (() => void) | null = null;

  /** Opens the store, starts the retention purge and seeds templates when asked. */
  static async open(options: SqliteDocStoreOptions): Promise<SqliteDocStore> {
    const store = new SqliteDocStore(options);
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

  private readonly db: SqliteDatabase;
  private readonly ownsDatabase: boolean;

  constructor(options: SqliteDocStoreOptions) {
    if (options.database) {
      this.db = options.database;
      this.ownsDatabase = false;
    } else if (options.path) {
      this.db = openSqliteDatabase(options.path);
      this.ownsDatabase = true;
    } else {
      throw new Error('sqlite doc store: give a database or a path');
    }
    const common = { clock: options.clock, newId: options.newId };
    this.definitions = new SqliteLabletDefinitionRepository(this.db, common);
    this.templates = new SqliteWorkerTemplateRepository(this.db, common);
    this.auditEvents = new SqliteAuditEventRepository(this.db, {
      ...common,
      retentionDays: options.auditRetentionDays,
    });
  }

  isReady(): boolean {
    return !this.closed && this.db.open;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopPurge?.();
    this.stopPurge = null;
    if (this.ownsDatabase) this.db.close();
  }
}
