import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  NotFoundError as DocNotFoundError,
  WORKER_TEMPLATE_REPOSITORY,
  WorkerTemplateRepository,
} from '@lcm/doc-store';
import {
  createWorker,
  NotFound,
  requestWorkerAction,
  setWorkerCordoned,
  WorkerAction,
  WorkerChange,
  workerInputFromTemplate,
  WorkerTemplate,
  isoNow,
  type Clock,
} from '@lcm/domain';
import { toOutboxEvents } from '@lcm/events';
import { Principal, ProblemException } from '@lcm/runtime';
import { WorkerStore, WorkerView } from '@lcm/state-store';
import { Page, paginate } from '../http/pagination';
import { CLOCK } from '../app/clock.token';
import { WorkerCache } from '../cache/state-caches';
import { retryOnConflict } from '../repositories/conflict-retry';
import { API_EVENT_SOURCE } from '../app/event-source';
import { CreateWorkerDto, WorkerQueryDto } from './worker.dto';

/** Workers (etcd): reads, admin creation from a template, and admin requests the controller carries out. */
@Injectable()
export class WorkersService {
  constructor(
    private readonly workers: WorkerStore,
    private readonly cache: WorkerCache,
    @Inject(WORKER_TEMPLATE_REPOSITORY)
    private readonly templates: WorkerTemplateRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** From the watch cache (every write acknowledged before the request is in it), narrowed by an index. */
  async list(query: WorkerQueryDto): Promise<Page<WorkerView>> {
    const view = await this.cache.read();
    const candidates =
      query.templateName !== undefined
        ? view.byIndex('templateName', query.templateName)
        : query.state !== undefined
          ? view.byIndex('state', query.state)
          : view.all();
    const matching = [...candidates].filter(
      ({ worker }) =>
        (query.state === undefined || worker.value.state === query.state) &&
        (query.templateName === undefined ||
          worker.value.templateName === query.templateName),
    );
    return {
      ...paginate(
        matching,
        ({ worker }) => [worker.value.createdAt, worker.value.id],
        query,
      ),
      resourceVersion: view.revision,
    };
  }

  async get(id: string): Promise<WorkerView> {
    const found = (await this.cache.read()).get(id);
    if (found === undefined) throw new NotFound('worker', id);
    return found;
  }

  /** Every worker built from the template that is not terminated (a template in use cannot be deleted). */
  async usingTemplate(templateName: string): Promise<WorkerView[]> {
    const view = await this.cache.read();
    return [...view.byIndex('templateName', templateName)].filter(
      ({ worker }) => worker.value.state !== 'terminated',
    );
  }

  /** An admin-made worker: pending, with the template's capacity; the controller provisions it. */
  async create(
    body: CreateWorkerDto,
    principal: Principal,
  ): Promise<WorkerView> {
    let template: WorkerTemplate;
    try {
      template = await this.templates.getByName(body.templateName);
    } catch (error) {
      if (error instanceof DocNotFoundError)
        throw new ProblemException(
          'unprocessable',
          `templateName: no template named ${body.templateName}`,
          { errors: [{ field: 'templateName', message: 'no such template' }] },
        );
      throw error;
    }
    const id = randomUUID();
    const change = createWorker(
      workerInputFromTemplate(template, {
        id,
        name: body.name ?? `${template.name}-${id.slice(0, 8)}`,
      }),
      {
        now: isoNow(this.clock),
        triggeredBy: principal.subject,
        reason: 'admin_create',
      },
    );
    const { capacity, ports } = change;
    if (!capacity || !ports)
      throw new Error('createWorker returned no capacity or ports record');
    const { revision } = await this.workers.commit(
      change,
      { worker: 'absent' },
      { events: toOutboxEvents(change.events, API_EVENT_SOURCE) },
    );
    // One transaction wrote all three records: they share its revision.
    return {
      worker: { value: change.worker, revision },
      capacity: { value: capacity, revision },
      ports: { value: ports, revision },
    };
  }

  /** drain, cancel_drain, stop, start, terminate: recorded for the controller; 409 when the state does not allow it. */
  request(
    id: string,
    action: WorkerAction,
    principal: Principal,
  ): Promise<WorkerView> {
    return this.mutate(id, (view, now) =>
      requestWorkerAction(view.worker.value, action, {
        now,
        triggeredBy: principal.subject,
      }),
    );
  }

  setCordoned(
    id: string,
    cordoned: boolean,
    principal: Principal,
  ): Promise<WorkerView> {
    return this.mutate(id, (view, now) =>
      setWorkerCordoned(view.worker.value, cordoned, {
        now,
        triggeredBy: principal.subject,
      }),
    );
  }

  private mutate(
    id: string,
    decide: (view: WorkerView, now: string) => WorkerChange,
  ): Promise<WorkerView> {
    return retryOnConflict(async () => {
      const view = await this.workers.require(id);
      const change = decide(view, isoNow(this.clock));
      if (change.worker === view.worker.value) return view;
      const { revision } = await this.workers.commit(
        change,
        { worker: view.worker.revision },
        { events: toOutboxEvents(change.events, API_EVENT_SOURCE) },
      );
      return { ...view, worker: { value: change.worker, revision } };
    });
  }
}
