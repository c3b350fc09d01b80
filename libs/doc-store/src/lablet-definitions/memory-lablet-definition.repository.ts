import { MemoryCollection } from '../memory/memory-collection';
import { pageFromSorted } from '../memory/memory-page';
import type { Page } from '../pagination/page';
import type { RepositoryOptions } from '../repository-options';
import {
  highestVersion,
  type LabletDefinition,
  type LabletDefinitionSummary,
} from '@lcm/domain';
import type {
  DefinitionFilter,
  DeprecateResult,
} from './lablet-definition.entity';
import { toDefinitionSummary } from './lablet-definition.mapper';
import {
  DEFINITION_ORDER,
  definitionSortKey,
  LabletDefinitionRepositoryBase,
} from './lablet-definition.repository';

/** The memory driver: same rules as the mongo driver (the shared base), storage in a map. */
export class MemoryLabletDefinitionRepository extends LabletDefinitionRepositoryBase {
  private readonly collection: MemoryCollection<LabletDefinition>;

  constructor(options: RepositoryOptions = {}) {
    super(options);
    this.collection = new MemoryCollection<LabletDefinition>('definition', [
      { fields: (d) => ({ name: d.name, version: d.version }) },
    ]);
  }

  protected async insert(definition: LabletDefinition): Promise<void> {
    await this.collection.insert(definition);
  }

  protected async findById(id: string): Promise<LabletDefinition | null> {
    return this.collection.get(id) ?? null;
  }

  protected async findByNameAndVersion(
    name: string,
    version: string,
  ): Promise<LabletDefinition | null> {
    return (
      this.collection.findOne(
        (d) => d.name === name && d.version === version,
      ) ?? null
    );
  }

  protected async findLatest(name: string): Promise<LabletDefinition | null> {
    const latest = highestVersion(
      [...this.collection.values()].filter((d) => d.name === name),
    );
    return latest === null ? null : structuredClone(latest);
  }

  protected async findPage(
    filter: DefinitionFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<LabletDefinitionSummary>> {
    const matching = [...this.collection.values()].filter(
      (d) =>
        (filter.name === undefined || d.name === filter.name) &&
        (filter.version === undefined || d.version === filter.version) &&
        (filter.licenseType === undefined ||
          d.licenseAffinity.includes(filter.licenseType)) &&
        (filter.deprecated === undefined || d.deprecated === filter.deprecated),
    );
    return pageFromSorted(
      matching,
      DEFINITION_ORDER,
      definitionSortKey,
      limit,
      cursor,
      (d) => toDefinitionSummary(structuredClone(d)),
    );
  }

  protected async markDeprecated(
    id: string,
    at: string,
    by: string,
  ): Promise<DeprecateResult | null> {
    const current = this.collection.get(id);
    if (current === undefined) return null;
    if (current.deprecated) return { definition: current, changed: false };
    const definition: LabletDefinition = {
      ...current,
      deprecated: true,
      deprecatedAt: at,
      deprecatedBy: by,
    };
    await this.collection.replace(definition);
    return { definition, changed: true };
  }
}
