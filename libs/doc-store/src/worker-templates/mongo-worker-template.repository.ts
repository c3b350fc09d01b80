import type { Model } from 'mongoose';
import { DuplicateError } from '../errors';
import { isDuplicateKeyError, mongoCall } from '../mongo/mongo-errors';
import { findPage } from '../mongo/mongo-page';
import type { Page } from '../pagination/page';
import type { RepositoryOptions } from '../repository-options';
import type { WorkerTemplate } from '@lcm/domain';
import type { WorkerTemplateFilter } from './worker-template.entity';
import {
  fromTemplateDocument,
  toTemplateDocument,
} from './worker-template.mapper';
import {
  TEMPLATE_ORDER,
  templateSortKey,
  WorkerTemplateRepositoryBase,
} from './worker-template.repository';
import type { WorkerTemplateDocument } from './worker-template.schema';

/** The mongo driver: `worker_templates`, unique by name. */
export class MongoWorkerTemplateRepository extends WorkerTemplateRepositoryBase {
  constructor(
    private readonly model: Model<WorkerTemplateDocument>,
    options?: RepositoryOptions,
  ) {
    super(options);
  }

  protected async insert(template: WorkerTemplate): Promise<void> {
    try {
      await mongoCall(() =>
        this.model.collection.insertOne(toTemplateDocument(template) as never),
      );
    } catch (error) {
      if (isDuplicateKeyError(error))
        throw new DuplicateError('template', { name: template.name });
      throw error;
    }
  }

  protected findById(id: string): Promise<WorkerTemplate | null> {
    return this.findOne({ _id: id });
  }

  protected findByName(name: string): Promise<WorkerTemplate | null> {
    return this.findOne({ name });
  }

  protected findPage(
    filter: WorkerTemplateFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<WorkerTemplate>> {
    return findPage<WorkerTemplateDocument, WorkerTemplate>({
      model: this.model,
      filter: {
        ...(filter.licenseType !== undefined && {
          licenseType: filter.licenseType,
        }),
        ...(filter.region !== undefined && { region: filter.region }),
      },
      order: TEMPLATE_ORDER,
      limit,
      cursor,
      sortKey: templateSortKey,
      map: fromTemplateDocument,
    });
  }

  protected async replaceIfUnchanged(
    next: WorkerTemplate,
    expectedUpdatedAt: string,
  ): Promise<boolean> {
    const { _id, ...doc } = toTemplateDocument(next);
    const result = await mongoCall(() =>
      this.model.collection.replaceOne(
        { _id: _id as never, updatedAt: new Date(expectedUpdatedAt) },
        doc,
      ),
    );
    return result.matchedCount === 1;
  }

  protected async remove(id: string): Promise<boolean> {
    const result = await mongoCall(() =>
      this.model.collection.deleteOne({ _id: id as never }),
    );
    return result.deletedCount === 1;
  }

  private async findOne(
    filter: Record<string, unknown>,
  ): Promise<WorkerTemplate | null> {
    const doc = await mongoCall(() =>
      this.model.findOne(filter).lean<WorkerTemplateDocument>().exec(),
    );
    return doc === null ? null : fromTemplateDocument(doc);
  }
}
