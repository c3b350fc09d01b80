import type { SqliteDatabase } from '@lcm/state-store';
import { WORKER_TEMPLATES_COLLECTION } from '../collections';
import type { Page } from '../pagination/page';
import type { RepositoryOptions } from '../repository-options';
import { allOf, SqliteCollection } from '../sqlite/sqlite-collection';
import type { WorkerTemplate } from '@lcm/domain';
import type { WorkerTemplateFilter } from './worker-template.entity';
import {
  TEMPLATE_ORDER,
  templateSortKey,
  WorkerTemplateRepositoryBase,
} from './worker-template.repository';

/** The sqlite driver: `worker_templates` as JSON documents, unique by name. */
export class SqliteWorkerTemplateRepository extends WorkerTemplateRepositoryBase {
  private readonly collection: SqliteCollection<WorkerTemplate>;

  constructor(db: SqliteDatabase, options?: RepositoryOptions) {
    super(options);
    this.collection = new SqliteCollection<WorkerTemplate>(db, {
      kind: 'template',
      table: WORKER_TEMPLATES_COLLECTION,
      order: TEMPLATE_ORDER,
      sortKey: templateSortKey,
      id: (t) => t.id,
      columns: {
        name: (t) => t.name,
        license_type: (t) => t.licenseType,
        region: (t) => t.region,
        updated_at: (t) => t.updatedAt,
      },
      unique: [
        { name: 'name', columns: ['name'], fields: (t) => ({ name: t.name }) },
      ],
    });
  }

  protected async insert(template: WorkerTemplate): Promise<void> {
    this.collection.insert(template);
  }

  protected async findById(id: string): Promise<WorkerTemplate | null> {
    return this.collection.get(id) ?? null;
  }

  protected async findByName(name: string): Promise<WorkerTemplate | null> {
    return this.collection.findOne({ sql: 'name = ?', params: [name] }) ?? null;
  }

  protected async findPage(
    filter: WorkerTemplateFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<WorkerTemplate>> {
    const where = allOf([
      filter.licenseType === undefined
        ? undefined
        : { sql: 'license_type = ?', params: [filter.licenseType] },
      filter.region === undefined
        ? undefined
        : { sql: 'region = ?', params: [filter.region] },
    ]);
    return this.collection.page(where, limit, cursor, (t) => t);
  }

  /** Compare-and-set on `updatedAt` in one statement. */
  protected async replaceIfUnchanged(
    next: WorkerTemplate,
    expectedUpdatedAt: string,
  ): Promise<boolean> {
    return this.collection.replace(next, {
      sql: 'updated_at = ?',
      params: [expectedUpdatedAt],
    });
  }

  protected async remove(id: string): Promise<boolean> {
    return this.collection.delete({ sql: 'id = ?', params: [id] }) === 1;
  }
}
