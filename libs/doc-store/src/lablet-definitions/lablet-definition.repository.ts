import { isoNow } from '@lcm/domain';
import { DuplicateError, NotFoundError } from '../errors';
import type { Page, SortOrder, SortValue } from '../pagination/page';
import { readPageRequest } from '../pagination/page-request';
import {
  resolveRepositoryOptions,
  type RepositoryOptions,
  type ResolvedRepositoryOptions,
} from '../repository-options';
import {
  FIRST_VERSION,
  hashLabYaml,
  LICENSE_TYPES,
  nextPatch,
  requireBoolean,
  requireKey,
  requireObject,
  requireOneOf,
  requireVersion,
  validateNewDefinition,
  validateRegisterDefinitionInput,
  versionOrder,
  type LabletDefinition,
  type LabletDefinitionSummary,
  type NewLabletDefinition,
  type RegisterDefinitionInput,
} from '@lcm/domain';
import type {
  DefinitionFilter,
  DefinitionListQuery,
  DeprecateResult,
  RegisterDefinitionResult,
} from './lablet-definition.entity';

/** The port: immutable definition versions; `deprecate` is the only change a version ever sees. */
export interface LabletDefinitionRepository {
  /** Stores a new version. DuplicateError when (name, version) exists; ValidationError on bad input. */
  create(input: NewLabletDefinition): Promise<LabletDefinition>;
  /**
   * docs/decisions/0012-lab-yaml-inline-versioned-by-hash.md "sync": a YAML posted under a name becomes its next version (patch bump of the latest,
   * or `input.version`) only when its hash differs from the latest's; otherwise the latest is
   * returned with `created: false`. A given version that already exists is a DuplicateError.
   */
  registerVersion(
    input: RegisterDefinitionInput,
  ): Promise<RegisterDefinitionResult>;
  /** NotFoundError when absent. */
  getById(id: string): Promise<LabletDefinition>;
  getByNameAndVersion(name: string, version: string): Promise<LabletDefinition>;
  /** Highest version of a name in semver precedence (deprecated or not). NotFoundError for an unknown name. */
  getLatest(name: string): Promise<LabletDefinition>;
  /** Ordered by name, then version from newest (semver); items leave out `labYaml`. */
  list(query?: DefinitionListQuery): Promise<Page<LabletDefinitionSummary>>;
  /** Idempotent: deprecating a deprecated version changes nothing (`changed: false`). */
  deprecate(id: string, by: string): Promise<DeprecateResult>;
}

/** List order: name A-Z, then newest version first (semver; prereleases of one triple by their text). */
export const DEFINITION_ORDER: SortOrder = [
  { field: 'name', direction: 1, type: 'string' },
  { field: 'versionMajor', direction: -1, type: 'number' },
  { field: 'versionMinor', direction: -1, type: 'number' },
  { field: 'versionPatch', direction: -1, type: 'number' },
  { field: 'versionRelease', direction: -1, type: 'number' },
  { field: 'version', direction: -1, type: 'string' },
];

export function definitionSortKey(
  definition: Pick<LabletDefinition, 'name' | 'version'>,
): SortValue[] {
  const order = versionOrder(definition.version);
  return [
    definition.name,
    order.major,
    order.minor,
    order.patch,
    order.release,
    definition.version,
  ];
}

/** How many times registerVersion re-reads the latest after losing a race for the next patch number. */
const REGISTER_ATTEMPTS = 5;

/**
 * What both drivers share: validation, hashing, the docs/decisions/0012-lab-yaml-inline-versioned-by-hash.md versioning rule and input checks on lookups.
 * Drivers supply storage primitives only, so the rules cannot drift apart.
 */
export abstract class LabletDefinitionRepositoryBase
  implements LabletDefinitionRepository
{
  protected readonly options: ResolvedRepositoryOptions;

  protected constructor(options?: RepositoryOptions) {
    this.options = resolveRepositoryOptions(options);
  }

  /** Inserts a complete document; DuplicateError when (name, version) is taken. */
  protected abstract insert(definition: LabletDefinition): Promise<void>;
  protected abstract findById(id: string): Promise<LabletDefinition | null>;
  protected abstract findByNameAndVersion(
    name: string,
    version: string,
  ): Promise<LabletDefinition | null>;
  protected abstract findLatest(name: string): Promise<LabletDefinition | null>;
  protected abstract findPage(
    filter: DefinitionFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<LabletDefinitionSummary>>;
  /** Sets the deprecation fields unless already deprecated; null when the id is unknown. */
  protected abstract markDeprecated(
    id: string,
    at: string,
    by: string,
  ): Promise<DeprecateResult | null>;

  async create(input: NewLabletDefinition): Promise<LabletDefinition> {
    const valid = validateNewDefinition(input);
    return this.insertVersion(valid, hashLabYaml(valid.labYaml));
  }

  async registerVersion(
    input: RegisterDefinitionInput,
  ): Promise<RegisterDefinitionResult> {
    const valid = validateRegisterDefinitionInput(input);
    const hash = hashLabYaml(valid.labYaml);
    for (let attempt = 1; ; attempt++) {
      const latest = await this.findLatest(valid.name);
      if (
        valid.version !== undefined &&
        (latest?.version === valid.version ||
          (await this.findByNameAndVersion(valid.name, valid.version)))
      ) {
        throw new DuplicateError('definition', {
          name: valid.name,
          version: valid.version,
        });
      }
      if (latest !== null && latest.labYamlHash === hash) {
        return {
          definition: latest,
          created: false,
          previousVersion: latest.version,
        };
      }
      const version =
        valid.version ??
        (latest === null ? FIRST_VERSION : nextPatch(latest.version));
      try {
        const definition = await this.insertVersion(
          { ...valid, version },
          hash,
        );
        return {
          definition,
          created: true,
          previousVersion: latest?.version ?? null,
        };
      } catch (error) {
        // Another writer took this patch number first: look again (it may even be our YAML).
        if (
          error instanceof DuplicateError &&
          valid.version === undefined &&
          attempt < REGISTER_ATTEMPTS
        )
          continue;
        throw error;
      }
    }
  }

  async getById(id: string): Promise<LabletDefinition> {
    const key = requireKey(id, 'id');
    return (await this.findById(key)) ?? this.notFound(key);
  }

  async getByNameAndVersion(
    name: string,
    version: string,
  ): Promise<LabletDefinition> {
    const key = requireKey(name, 'name');
    const exact = requireVersion(version);
    return (
      (await this.findByNameAndVersion(key, exact)) ??
      this.notFound(`${key}@${exact}`)
    );
  }

  async getLatest(name: string): Promise<LabletDefinition> {
    const key = requireKey(name, 'name');
    return (await this.findLatest(key)) ?? this.notFound(key);
  }

  async list(
    query: DefinitionListQuery = {},
  ): Promise<Page<LabletDefinitionSummary>> {
    const { limit, cursor, filter } = readListQuery(query);
    return this.findPage(filter, limit, cursor);
  }

  async deprecate(id: string, by: string): Promise<DeprecateResult> {
    const key = requireKey(id, 'id');
    const actor = requireKey(by, 'deprecatedBy');
    return (
      (await this.markDeprecated(key, isoNow(this.options.clock), actor)) ??
      this.notFound(key)
    );
  }

  private async insertVersion(
    valid: NewLabletDefinition,
    labYamlHash: string,
  ): Promise<LabletDefinition> {
    const definition: LabletDefinition = {
      id: this.options.newId(),
      ...valid,
      labYamlHash,
      createdAt: isoNow(this.options.clock),
      deprecated: false,
    };
    await this.insert(definition);
    return definition;
  }

  private notFound(key: string): never {
    throw new NotFoundError('definition', key);
  }
}

function readListQuery(query: DefinitionListQuery): {
  limit: number;
  cursor: string | null;
  filter: DefinitionFilter;
} {
  const body = requireObject(query, 'query');
  const filter: DefinitionFilter = {};
  if (body['name'] != null) filter.name = requireKey(body['name'], 'name');
  if (body['version'] != null) filter.version = requireVersion(body['version']);
  if (body['licenseType'] != null)
    filter.licenseType = requireOneOf(
      body['licenseType'],
      'licenseType',
      LICENSE_TYPES,
    );
  if (body['deprecated'] != null)
    filter.deprecated = requireBoolean(body['deprecated'], 'deprecated');
  return { ...readPageRequest(body), filter };
}
