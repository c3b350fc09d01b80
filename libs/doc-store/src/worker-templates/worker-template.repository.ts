import { isoNow } from '@lcm/domain';
import { readFile } from 'node:fs/promises';
import { DuplicateError, InUseError, NotFoundError } from '../errors';
import type { Page, SortOrder, SortValue } from '../pagination/page';
import { readPageRequest } from '../pagination/page-request';
import {
  resolveRepositoryOptions,
  type RepositoryOptions,
  type ResolvedRepositoryOptions,
} from '../repository-options';
import {
  LICENSE_TYPES,
  requireBoolean,
  requireKey,
  requireObject,
  requireOneOf,
  validateNewTemplate,
  validateTemplatePatch,
  ValidationError,
  type NewWorkerTemplate,
  type ValidWorkerTemplate,
  type WorkerTemplate,
  type WorkerTemplatePatch,
} from '@lcm/domain';
import type {
  SeedResult,
  WorkerTemplateFilter,
  WorkerTemplateListQuery,
} from './worker-template.entity';
import { parseTemplateSeed } from './worker-template.seed';

/** The port: worker templates, unique by name, seeded create-only at start-up (docs/decisions/0010-create-only-template-seeding.md). */
export interface WorkerTemplateRepository {
  /** `isSeeded: false`. DuplicateError when the name is taken. */
  create(input: NewWorkerTemplate): Promise<WorkerTemplate>;
  getById(id: string): Promise<WorkerTemplate>;
  getByName(name: string): Promise<WorkerTemplate>;
  /** Ordered by name. */
  list(query?: WorkerTemplateListQuery): Promise<Page<WorkerTemplate>>;
  /** Every template (matching the filter), ordered by name, read page by page (`pageSize`, default 500). */
  listAll(
    query?: WorkerTemplateFilter & { pageSize?: number },
  ): Promise<WorkerTemplate[]>;
  /** Partial update; the result is validated whole and `updatedAt` moves forward. The name cannot change. */
  update(id: string, patch: WorkerTemplatePatch): Promise<WorkerTemplate>;
  /** InUseError while a worker uses the template (the caller checks the live workers and says so). */
  delete(id: string, usage: { inUse: boolean }): Promise<void>;
  /** Creates the file's templates whose names do not exist yet; never updates or duplicates one. */
  seedFromYaml(text: string): Promise<SeedResult>;
  seedFromFile(path: string): Promise<SeedResult>;
}

export const TEMPLATE_ORDER: SortOrder = [
  { field: 'name', direction: 1, type: 'string' },
];

export function templateSortKey(
  template: Pick<WorkerTemplate, 'name'>,
): SortValue[] {
  return [template.name];
}

const UPDATE_ATTEMPTS = 10;
const LIST_ALL_PAGE_SIZE = 500;

/** What both drivers share: validation, defaults, tags, seeding and optimistic updates. */
export abstract class WorkerTemplateRepositoryBase
  implements WorkerTemplateRepository
{
  protected readonly options: ResolvedRepositoryOptions;

  protected constructor(options?: RepositoryOptions) {
    this.options = resolveRepositoryOptions(options);
  }

  /** DuplicateError when the name is taken. */
  protected abstract insert(template: WorkerTemplate): Promise<void>;
  protected abstract findById(id: string): Promise<WorkerTemplate | null>;
  protected abstract findByName(name: string): Promise<WorkerTemplate | null>;
  protected abstract findPage(
    filter: WorkerTemplateFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<WorkerTemplate>>;
  /** Stores `next` only if the stored `updatedAt` is still `expectedUpdatedAt`; false otherwise (or if gone). */
  protected abstract replaceIfUnchanged(
    next: WorkerTemplate,
    expectedUpdatedAt: string,
  ): Promise<boolean>;
  /** False when there was nothing to remove. */
  protected abstract remove(id: string): Promise<boolean>;

  async create(input: NewWorkerTemplate): Promise<WorkerTemplate> {
    const template = this.newTemplate(validateNewTemplate(input), false);
    await this.insert(template);
    return template;
  }

  async getById(id: string): Promise<WorkerTemplate> {
    const key = requireKey(id, 'id');
    return (await this.findById(key)) ?? notFound(key);
  }

  async getByName(name: string): Promise<WorkerTemplate> {
    const key = requireKey(name, 'name');
    return (await this.findByName(key)) ?? notFound(key);
  }

  async list(
    query: WorkerTemplateListQuery = {},
  ): Promise<Page<WorkerTemplate>> {
    const body = requireObject(query, 'query');
    const filter: WorkerTemplateFilter = {};
    if (body['licenseType'] != null)
      filter.licenseType = requireOneOf(
        body['licenseType'],
        'licenseType',
        LICENSE_TYPES,
      );
    if (body['region'] != null)
      filter.region = requireKey(body['region'], 'region');
    const { limit, cursor } = readPageRequest(body);
    return this.findPage(filter, limit, cursor);
  }

  async listAll(
    query: WorkerTemplateFilter & { pageSize?: number } = {},
  ): Promise<WorkerTemplate[]> {
    const { pageSize = LIST_ALL_PAGE_SIZE, ...filter } = query;
    const templates: WorkerTemplate[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<WorkerTemplate> = await this.list({
        ...filter,
        limit: pageSize,
        cursor,
      });
      templates.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return templates;
  }

  /**
   * Read, merge, validate, then a compare-and-set on `updatedAt` (kept strictly increasing), so two
   * concurrent patches cannot combine into a template neither of them validated.
   */
  async update(
    id: string,
    patch: WorkerTemplatePatch,
  ): Promise<WorkerTemplate> {
    const key = requireKey(id, 'id');
    // Updates of one template from this process run one after the other: FerretDB (SQLite) does not
    // make a conditional replace atomic against a concurrent one; MongoDB does, across processes too.
    const previous = this.updating.get(key) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() => this.updateNow(key, patch));
    this.updating.set(key, run);
    try {
      return await run;
    } finally {
      if (this.updating.get(key) === run) this.updating.delete(key);
    }
  }

  private readonly updating = new Map<string, Promise<unknown>>();

  private async updateNow(
    key: string,
    patch: WorkerTemplatePatch,
  ): Promise<WorkerTemplate> {
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
      const current = (await this.findById(key)) ?? notFound(key);
      const fields = validateTemplatePatch(patch, current.name);
      const merged = validateNewTemplate({
        ...editableFields(current),
        ...fields,
      });
      const now = this.options.clock.now();
      const next: WorkerTemplate = {
        id: current.id,
        ...merged,
        isSeeded: current.isSeeded,
        createdAt: current.createdAt,
        updatedAt: new Date(
          Math.max(now, Date.parse(current.updatedAt) + 1),
        ).toISOString(),
      };
      if (await this.replaceIfUnchanged(next, current.updatedAt)) return next;
    }
    throw new Error(
      `template ${key}: gave up after ${UPDATE_ATTEMPTS} concurrent updates`,
    );
  }

  async delete(id: string, usage: { inUse: boolean }): Promise<void> {
    const key = requireKey(id, 'id');
    const inUse = requireBoolean(
      requireObject(usage, 'usage')['inUse'],
      'inUse',
    );
    if ((await this.findById(key)) === null) notFound(key);
    if (inUse)
      throw new InUseError(
        'template',
        key,
        'a worker was built from it; drain and terminate its workers first',
      );
    if (!(await this.remove(key))) notFound(key);
  }

  /**
   * Create-only (docs/decisions/0010-create-only-template-seeding.md): an existing name is skipped, so edits made through the API survive and a
   * restart creates nothing. Two processes seeding at once are safe: the unique name index lets one
   * insert win and the other reports the name as skipped.
   */
  async seedFromYaml(text: string): Promise<SeedResult> {
    const templates = parseTemplateSeed(text);
    const result: SeedResult = { created: [], skipped: [] };
    for (const valid of templates) {
      if ((await this.findByName(valid.name)) !== null) {
        result.skipped.push(valid.name);
        continue;
      }
      try {
        await this.insert(this.newTemplate(valid, true));
        result.created.push(valid.name);
      } catch (error) {
        if (!(error instanceof DuplicateError)) throw error;
        result.skipped.push(valid.name);
      }
    }
    return result;
  }

  async seedFromFile(path: string): Promise<SeedResult> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ValidationError(
        'seedFile',
        `cannot read ${path}: ${(error as Error).message}`,
      );
    }
    return this.seedFromYaml(text);
  }

  private newTemplate(
    valid: ValidWorkerTemplate,
    isSeeded: boolean,
  ): WorkerTemplate {
    const now = isoNow(this.options.clock);
    return {
      id: this.options.newId(),
      ...valid,
      isSeeded,
      createdAt: now,
      updatedAt: now,
    };
  }
}

function editableFields(template: WorkerTemplate): NewWorkerTemplate {
  const {
    id: _id,
    isSeeded: _isSeeded,
    createdAt: _createdAt,
    updatedAt: _updatedAt,
    ...fields
  } = template;
  return fields;
}

function notFound(key: string): never {
  throw new NotFoundError('template', key);
}
