import { Inject, Injectable } from '@nestjs/common';
import {
  LABLET_DEFINITION_REPOSITORY,
  LabletDefinitionRepository,
} from '@lcm/doc-store';
import {
  LabletDefinition,
  LabletDefinitionSummary,
  ValidationError,
} from '@lcm/domain';
import { AdmissionCatalog } from '../cache/admission-catalog';
import { Principal, ProblemException } from '@lcm/runtime';
import { Page } from '../http/pagination';
import { DefinitionEventsService } from './definition-events.service';
import {
  DefinitionQueryDto,
  RegisterDefinitionDto,
  VersionsQueryDto,
} from './definition.dto';

/** Definition versions (MongoDB) and their events; see DefinitionEventsService for how the two stay together. */
@Injectable()
export class DefinitionsService {
  constructor(
    @Inject(LABLET_DEFINITION_REPOSITORY)
    private readonly definitions: LabletDefinitionRepository,
    private readonly events: DefinitionEventsService,
    private readonly catalog: AdmissionCatalog,
  ) {}

  /**
   * docs/decisions/0012-lab-yaml-inline-versioned-by-hash.md: a new name creates 1.0.0 (or the given version); a changed YAML under a known name
   * creates the next patch version (or the given one); an unchanged YAML returns the latest
   * version, `created: false`.
   */
  async register(
    body: RegisterDefinitionDto,
    principal: Principal,
  ): Promise<{ definition: LabletDefinition; created: boolean }> {
    const result = await this.definitions
      .registerVersion({ ...body, createdBy: principal.subject })
      .finally(() => this.catalog.written());
    await this.events.versionRegistered(result);
    return { definition: result.definition, created: result.created };
  }

  list(query: DefinitionQueryDto): Promise<Page<LabletDefinitionSummary>> {
    return listQuery(() => this.definitions.list(query));
  }

  get(id: string): Promise<LabletDefinition> {
    return this.definitions.getById(id);
  }

  async versions(
    id: string,
    query: VersionsQueryDto,
  ): Promise<Page<LabletDefinitionSummary>> {
    const { name } = await this.definitions.getById(id);
    return listQuery(() =>
      this.definitions.list({ name, limit: query.limit, cursor: query.cursor }),
    );
  }

  async version(id: string, version: string): Promise<LabletDefinition> {
    const { name } = await this.definitions.getById(id);
    return this.definitions.getByNameAndVersion(name, version);
  }

  /** Soft delete: no new instances are admitted; running ones keep their pinned version. */
  async deprecate(id: string, principal: Principal): Promise<LabletDefinition> {
    const { definition, changed } = await this.definitions
      .deprecate(id, principal.subject)
      .finally(() => this.catalog.written());
    await this.events.deprecated(definition, changed);
    return definition;
  }
}

/** A bad list query (a cursor from elsewhere) is the caller's malformed input: 400, not 422. */
async function listQuery<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ProblemException('validation-error', error.message, {
        errors: [{ field: error.field, message: error.reason }],
      });
    }
    throw error;
  }
}
