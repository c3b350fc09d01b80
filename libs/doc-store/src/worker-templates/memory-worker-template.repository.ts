import { MemoryCollection } from '../memory/memory-collection';
import { pageFromSorted } from '../memory/memory-page';
import type { Page } from '../pagination/page';
import type { RepositoryOptions } from '../repository-options';
import type { WorkerTemplate } from '@lcm/domain';
import type { WorkerTemplateFilter } from './worker-template.entity';
import {
  TEMPLATE_ORDER,
  templateSortKey,
  WorkerTemplateRepositoryBase,
} from './worker-template.repository';

/** The memory driver: same rules as the mongo driver (the shared base), storage in a map. */
export class MemoryWorkerTemplateRepository extends WorkerTemplateRepositoryBase {
  private readonly collection: MemoryCollection<WorkerTemplate>;

  constructor(options: RepositoryOptions = {}) {
    super(options);
    this.collection = new MemoryCollection<WorkerTemplate>('template', [
      { fields: (t) => ({ name: t.name }) },
    ]);
  }

  protected async insert(template: WorkerTemplate): Promise<void> {
    await this.collection.insert(template);
  }

  protected async findById(id: string): Promise<WorkerTemplate | null> {
    return this.collection.get(id) ?? null;
  }

  protected async findByName(name: string): Promise<WorkerTemplate | null> {
    return this.collection.findOne((t) => t.name === name) ?? null;
  }

  protected async findPage(
    filter: WorkerTemplateFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<WorkerTemplate>> {
    const matching = [...this.collection.values()].filter(
      (t) =>
        (filter.licenseType === undefined ||
          t.licenseType === filter.licenseType) &&
        (filter.region === undefined || t.region === filter.region),
    );
    return pageFromSorted(
      matching,
      TEMPLATE_ORDER,
      templateSortKey,
      limit,
      cursor,
      (t) => structuredClone(t),
    );
  }

  protected async replaceIfUnchanged(
    next: WorkerTemplate,
    expectedUpdatedAt: string,
  ): Promise<boolean> {
    const current = this.collection.get(next.id);
    if (current === undefined || current.updatedAt !== expectedUpdatedAt)
      return false;
    await this.collection.replace(next);
    return true;
  }

  protected async remove(id: string): Promise<boolean> {
    return this.collection.delete(id);
  }
}
