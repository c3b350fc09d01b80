import type { SqliteDatabase } from '@lcm/state-store';
import type { Page } from '../pagination/page';
import type { RepositoryOptions } from '../repository-options';
import { LABLET_DEFINITIONS_COLLECTION } from '../collections';
import { allOf, SqliteCollection } from '../sqlite/sqlite-collection';
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

/** The sqlite driver: `lablet_definitions` as JSON documents, (name, version) unique, listed in semver order. */
export class SqliteLabletDefinitionRepository extends LabletDefinitionRepositoryBase {
  private readonly collection: SqliteCollection<LabletDefinition>;

  constructor(db: SqliteDatabase, options?: RepositoryOptions) {
    super(options);
    this.collection = new SqliteCollection<LabletDefinition>(db, {
      kind: 'definition',
      table: LABLET_DEFINITIONS_COLLECTION,
      order: DEFINITION_ORDER,
      sortKey: definitionSortKey,
      id: (d) => d.id,
      columns: {
        name: (d) => d.name,
        version: (d) => d.version,
        deprecated: (d) => (d.deprecated ? 1 : 0),
      },
      unique: [
        {
          name: 'name_version',
          columns: ['name', 'version'],
          fields: (d) => ({ name: d.name, version: d.version }),
        },
      ],
    });
  }

  protected async insert(definition: LabletDefinition): Promise<void> {
    this.collection.insert(definition);
  }

  protected async findById(id: string): Promise<LabletDefinition | null> {
    return this.collection.get(id) ?? null;
  }

  protected async findByNameAndVersion(
    name: string,
    version: string,
  ): Promise<LabletDefinition | null> {
    return (
      this.collection.findOne({
        sql: 'name = ? AND version = ?',
        params: [name, version],
      }) ?? null
    );
  }

  /** The versions of one name are few: semver precedence (prereleases included) is decided in code. */
  protected async findLatest(name: string): Promise<LabletDefinition | null> {
    return highestVersion(
      this.collection.findAll({ sql: 'name = ?', params: [name] }),
    );
  }

  protected async findPage(
    filter: DefinitionFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<LabletDefinitionSummary>> {
    const where = allOf([
      filter.name === undefined
        ? undefined
        : { sql: 'name = ?', params: [filter.name] },
      filter.version === undefined
        ? undefined
        : { sql: 'version = ?', params: [filter.version] },
      filter.licenseType === undefined
        ? undefined
        : {
            sql: "EXISTS (SELECT 1 FROM json_each(doc, '$.licenseAffinity') WHERE value = ?)",
            params: [filter.licenseType],
          },
      filter.deprecated === undefined
        ? undefined
        : { sql: 'deprecated = ?', params: [filter.deprecated ? 1 : 0] },
    ]);
    return this.collection.page(where, limit, cursor, toDefinitionSummary);
  }

  /** A conditional update ("only if not yet deprecated") keeps the first deprecation's time and actor. */
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
    if (
      this.collection.replace(definition, { sql: 'deprecated = 0', params: [] })
    )
      return { definition, changed: true };
    return { definition: this.collection.get(id) ?? current, changed: false };
  }
}
