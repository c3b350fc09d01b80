import type { Model } from 'mongoose';
import { DuplicateError } from '../errors';
import { isDuplicateKeyError, mongoCall } from '../mongo/mongo-errors';
import { findPage } from '../mongo/mongo-page';
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
import {
  DEFINITION_SUMMARY_PROJECTION,
  fromDefinitionDocument,
  toDefinitionDocument,
} from './lablet-definition.mapper';
import {
  DEFINITION_ORDER,
  definitionSortKey,
  LabletDefinitionRepositoryBase,
} from './lablet-definition.repository';
import type { LabletDefinitionDocument } from './lablet-definition.schema';

/** The mongo driver: `lablet_definitions`, with (name, version) unique. */
export class MongoLabletDefinitionRepository extends LabletDefinitionRepositoryBase {
  constructor(
    private readonly model: Model<LabletDefinitionDocument>,
    options?: RepositoryOptions,
  ) {
    super(options);
  }

  protected async insert(definition: LabletDefinition): Promise<void> {
    try {
      await mongoCall(() =>
        this.model.collection.insertOne(
          toDefinitionDocument(definition) as never,
        ),
      );
    } catch (error) {
      if (isDuplicateKeyError(error))
        throw new DuplicateError('definition', {
          name: definition.name,
          version: definition.version,
        });
      throw error;
    }
  }

  protected async findById(id: string): Promise<LabletDefinition | null> {
    return this.findOne({ _id: id });
  }

  protected async findByNameAndVersion(
    name: string,
    version: string,
  ): Promise<LabletDefinition | null> {
    return this.findOne({ name, version });
  }

  /**
   * The numeric version fields give the highest MAJOR.MINOR.PATCH and whether it is a release. Only
   * when the top is a prerelease are its siblings compared in code (prerelease precedence is not
   * expressible as a sort on stored fields).
   */
  protected async findLatest(name: string): Promise<LabletDefinition | null> {
    const top = await this.findOne(
      { name },
      {
        versionMajor: -1,
        versionMinor: -1,
        versionPatch: -1,
        versionRelease: -1,
      },
    );
    if (top === null || !top.version.includes('-')) return top;
    const [major, minor, patch] = top.version
      .split('-')[0]
      .split('.')
      .map(Number);
    const siblings = await mongoCall(() =>
      this.model
        .find(
          {
            name,
            versionMajor: major,
            versionMinor: minor,
            versionPatch: patch,
          },
          { _id: 1, version: 1 },
        )
        .lean<{ _id: string; version: string }[]>()
        .exec(),
    );
    const best = highestVersion(siblings);
    return best === null || best._id === top.id
      ? top
      : this.findOne({ _id: best._id });
  }

  protected findPage(
    filter: DefinitionFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<LabletDefinitionSummary>> {
    return findPage<LabletDefinitionDocument, LabletDefinitionSummary>({
      model: this.model,
      filter: {
        ...(filter.name !== undefined && { name: filter.name }),
        ...(filter.version !== undefined && { version: filter.version }),
        ...(filter.licenseType !== undefined && {
          licenseAffinity: filter.licenseType,
        }),
        ...(filter.deprecated !== undefined && {
          deprecated: filter.deprecated,
        }),
      },
      order: DEFINITION_ORDER,
      limit,
      cursor,
      projection: DEFINITION_SUMMARY_PROJECTION,
      sortKey: definitionSortKey,
      map: (doc) => fromDefinitionDocument(doc),
    });
  }

  /** One conditional update ("only if not yet deprecated") keeps the first deprecation's time and actor. */
  protected async markDeprecated(
    id: string,
    at: string,
    by: string,
  ): Promise<DeprecateResult | null> {
    const updated = await mongoCall(() =>
      this.model
        .findOneAndUpdate(
          { _id: id, deprecated: false },
          {
            $set: {
              deprecated: true,
              deprecatedAt: new Date(at),
              deprecatedBy: by,
            },
          },
          { returnDocument: 'after' },
        )
        .lean<LabletDefinitionDocument>()
        .exec(),
    );
    if (updated !== null)
      return { definition: fromDefinitionDocument(updated), changed: true };
    const current = await this.findById(id);
    return current === null ? null : { definition: current, changed: false };
  }

  private async findOne(
    filter: Record<string, unknown>,
    sort?: Record<string, 1 | -1>,
  ): Promise<LabletDefinition | null> {
    const query = this.model.findOne(filter);
    if (sort) query.sort(sort);
    const doc = await mongoCall(() =>
      query.lean<LabletDefinitionDocument>().exec(),
    );
    return doc === null ? null : fromDefinitionDocument(doc);
  }
}
