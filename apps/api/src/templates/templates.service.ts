import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import {
  WORKER_TEMPLATE_REPOSITORY,
  WorkerTemplateRepository,
} from '@lcm/doc-store';
import {
  NewWorkerTemplate,
  ValidationError,
  WorkerTemplate,
} from '@lcm/domain';
import { AdmissionCatalog } from '../cache/admission-catalog';
import { ProblemException } from '@lcm/runtime';
import { API_CONFIG } from '../app/api-config.token';
import type { ApiConfig } from '../config';
import { Page } from '../http/pagination';
import { WorkersService } from '../workers/workers.service';
import {
  CreateTemplateDto,
  definedFields,
  TemplateQueryDto,
  UpdateTemplateDto,
} from './template.dto';

/** Worker templates (MongoDB): CRUD, and the create-only seeding at start-up (docs/decisions/0010-create-only-template-seeding.md). */
@Injectable()
export class TemplatesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Templates');

  constructor(
    @Inject(WORKER_TEMPLATE_REPOSITORY)
    private readonly templates: WorkerTemplateRepository,
    private readonly workers: WorkersService,
    private readonly catalog: AdmissionCatalog,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** Seeds the configured file: names that exist are never touched, so edits made through the API survive. */
  async onApplicationBootstrap(): Promise<void> {
    const result = await this.templates
      .seedFromFile(this.config.workerTemplatesFile)
      .finally(() => this.catalog.written());
    this.logger.log({
      msg: 'worker templates seeded',
      file: this.config.workerTemplatesFile,
      created: result.created,
      kept: result.skipped,
    });
  }

  async list(query: TemplateQueryDto): Promise<Page<WorkerTemplate>> {
    try {
      return await this.templates.list(definedFields(query));
    } catch (error) {
      if (error instanceof ValidationError)
        throw new ProblemException('validation-error', error.message, {
          errors: [{ field: error.field, message: error.reason }],
        });
      throw error;
    }
  }

  get(id: string): Promise<WorkerTemplate> {
    return this.templates.getById(id);
  }

  create(body: CreateTemplateDto): Promise<WorkerTemplate> {
    return this.templates
      .create(definedFields(body) as NewWorkerTemplate)
      .finally(() => this.catalog.written());
  }

  update(id: string, body: UpdateTemplateDto): Promise<WorkerTemplate> {
    return this.templates
      .update(id, definedFields(body))
      .finally(() => this.catalog.written());
  }

  /** 409 while a worker that is not terminated was built from it. */
  async delete(id: string): Promise<void> {
    const template = await this.templates.getById(id);
    const users = await this.workers.usingTemplate(template.name);
    await this.templates
      .delete(id, { inUse: users.length > 0 })
      .finally(() => this.catalog.written());
  }
}
