import type { Connection, Model } from 'mongoose';
import type { DocStore, CommonDocStoreOptions } from '../doc-store';
import { MongoAuditEventRepository } from '../audit-events/mongo-audit-event.repository';
import { resolveRetentionDays } from '../audit-events/audit-event.repository';
import {
  AUDIT_EVENT_MODEL,
  createAuditEventSchema,
  type AuditEventDocument,
} from '../audit-events/audit-event.schema';
import {
  DEFAULT_PURGE_INTERVAL_MS,
  startRetentionPurge,
} from '../audit-events/retention-purge';
import { MongoLabletDefinitionRepository } from '../lablet-definitions/mongo-lablet-definition.repository';
import {
  LABLET_DEFINITION_MODEL,
  labletDefinitionSchema,
  type LabletDefinitionDocument,
} from '../lablet-definitions/lablet-definition.schema';
import { silentLogger, type DocStoreLogger } from '../logger';
import { MongoWorkerTemplateRepository } from '../worker-templates/mongo-worker-template.repository';
import {
  WORKER_TEMPLATE_MODEL,
  workerTemplateSchema,
  type WorkerTemplateDocument,
} from '../worker-templates/worker-template.schema';
import {
  MongoConnection,
  type IndexReport,
  type MongoConnectionOptions,
} from './mongo-connection';

export interface MongoDocStoreOptions
  extends MongoConnectionOptions,
    CommonDocStoreOptions {
  /** Build indexes when opening (default true). Turn off only where a migration job owns them. */
  ensureIndexes?: boolean;
}

export interface DocStoreModels {
  definitions: Model<LabletDefinitionDocument>;
  templates: Model<WorkerTemplateDocument>;
  auditEvents: Model<AuditEventDocument>;
}

/** Registers the three models (and so their indexes) on a connection. */
export function registerDocStoreModels(
  connection: Connection,
  options: { auditRetentionDays?: number } = {},
): DocStoreModels {
  return {
    definitions: connection.model<LabletDefinitionDocument>(
      LABLET_DEFINITION_MODEL,
      labletDefinitionSchema,
    ),
    templates: connection.model<WorkerTemplateDocument>(
      WORKER_TEMPLATE_MODEL,
      workerTemplateSchema,
    ),
    auditEvents: connection.model<AuditEventDocument>(
      AUDIT_EVENT_MODEL,
      createAuditEventSchema(resolveRetentionDays(options.auditRetentionDays)),
    ),
  };
}

/** The mongo driver: one MongoConnection, its models and the three repositories. */
export class MongoDocStore implements DocStore {
  readonly driver = 'mongo' as const;
  readonly models: DocStoreModels;
  readonly definitions: MongoLabletDefinitionRepository;
  readonly templates: MongoWorkerTemplateRepository;
  readonly auditEvents: MongoAuditEventRepository;
  private indexesEnsured = false;
  private stopPurge: (() => void) | null = null;
  private readonly logger: DocStoreLogger;

  /** Connects (with retry), ensures indexes, and seeds templates when asked. */
  static async open(options: MongoDocStoreOptions): Promise<MongoDocStore> {
    const store = new MongoDocStore(new MongoConnection(options), options);
    try {
      await store.connection.connect();
      if (options.ensureIndexes !== false) await store.ensureIndexes();
      if (options.seedTemplatesFile !== undefined) {
        const seeded = await store.templates.seedFromFile(
          options.seedTemplatesFile,
        );
        store.logger.log(
          `doc-store: worker templates seeded: created [${seeded.created.join(', ')}], kept [${seeded.skipped.join(', ')}]`,
        );
      }
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  constructor(
    readonly connection: MongoConnection,
    private readonly options: Omit<MongoDocStoreOptions, 'uri'> = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    // With ensureIndexes off, indexes are someone else's job and readiness is the connection's alone.
    this.indexesEnsured = options.ensureIndexes === false;
    this.models = registerDocStoreModels(connection.connection, options);
    const common = { clock: options.clock, newId: options.newId };
    this.definitions = new MongoLabletDefinitionRepository(
      this.models.definitions,
      common,
    );
    this.templates = new MongoWorkerTemplateRepository(
      this.models.templates,
      common,
    );
    this.auditEvents = new MongoAuditEventRepository(this.models.auditEvents, {
      ...common,
      retentionDays: options.auditRetentionDays,
    });
  }

  /** The explicit start-up index step; where TTL is unsupported it also starts the retention purge. */
  async ensureIndexes(): Promise<IndexReport> {
    const report = await this.connection.ensureIndexes();
    if (report.ttlUnsupported.length > 0 && this.stopPurge === null) {
      this.stopPurge = startRetentionPurge(
        this.auditEvents,
        this.options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS,
        this.logger,
      );
    }
    this.indexesEnsured = true;
    return report;
  }

  isReady(): boolean {
    return this.indexesEnsured && this.connection.isReady();
  }

  async close(): Promise<void> {
    this.stopPurge?.();
    this.stopPurge = null;
    await this.connection.close();
  }
}
