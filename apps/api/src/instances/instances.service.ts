import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError as DocNotFoundError } from '@lcm/doc-store';
import {
  calendarPagesOverlapping,
  createInstance,
  InstanceAction,
  InstanceSpec,
  instanceSpecOf,
  LabletInstance,
  NotFound,
  requestInstanceAction,
  terminatePendingInstance,
  LabletDefinition,
  LabletDefinitionSummary,
  WorkerTemplate,
  isoNow,
  type Clock,
} from '@lcm/domain';
import { toOutboxEvents } from '@lcm/events';
import { hasAnyRole, Principal, ProblemException } from '@lcm/runtime';
import { selectTemplate } from '@lcm/scheduling';
import { CacheView, InstanceStore, Versioned } from '@lcm/state-store';
import { API_CONFIG } from '../app/api-config.token';
import type { ApiConfig } from '../config';
import {
  Page,
  pageOfSorted,
  PageQueryDto,
  SortKey,
  SortedItems,
  sortItems,
} from '../http/pagination';
import {
  ALL_INSTANCES_READERS,
  ALL_INSTANCES_WRITERS,
} from '../http/permissions';
import { CLOCK } from '../app/clock.token';
import { retryOnConflict } from '../repositories/conflict-retry';
import { AdmissionCatalog } from '../cache/admission-catalog';
import { InstanceCache } from '../cache/state-caches';
import { API_EVENT_SOURCE } from '../app/event-source';
import { assertWindowFits, assertWithinHorizon } from './booking-admission';
import { CreateInstanceDto, InstanceQueryDto } from './instance.dto';

/** The actions a caller can ask for on an instance (`POST .../{start|stop|collect}`). */
export type RequestableAction = Extract<
  InstanceAction,
  'start' | 'stop' | 'collect'
>;

function unprocessable(field: string, message: string): ProblemException {
  return new ProblemException('unprocessable', `${field}: ${message}`, {
    errors: [{ field, message }],
  });
}

/**
 * Lablet instances: admission (docs/api.md#admission), reads, and user requests. Every write is a domain
 * transition committed with its events through InstanceStore, against the revision it read.
 */
@Injectable()
export class InstancesService {
  constructor(
    private readonly instances: InstanceStore,
    private readonly cache: InstanceCache,
    private readonly catalog: AdmissionCatalog,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async create(
    body: CreateInstanceDto,
    principal: Principal,
  ): Promise<Versioned<LabletInstance>> {
    const ownerId = body.ownerId ?? principal.subject;
    if (
      ownerId !== principal.subject &&
      !hasAnyRole(principal, ALL_INSTANCES_WRITERS)
    ) {
      throw new ProblemException(
        'forbidden',
        'only admin and manager may create an instance for another owner',
        { errors: [{ field: 'ownerId', message: 'must be your own id' }] },
      );
    }
    // Independent reads, in parallel: the pinned version and the templates that could host it.
    const [definition, templates] = await Promise.all([
      this.pinDefinition(body.definitionId, body.definitionVersion),
      this.catalog.allTemplates(),
    ]);
    const spec = instanceSpecOf(definition);
    assertSomeTemplateFits(spec, templates, this.config.region);
    const now = isoNow(this.clock);
    const booking = this.config.booking;
    assertWithinHorizon(body.timeslotStart, now, booking.bookingHorizonDays);
    // The domain checks the slot itself (order, length) when it builds the instance below.
    const change = createInstance(
      {
        id: randomUUID(),
        definitionId: definition.id,
        definitionName: definition.name,
        definitionVersion: definition.version,
        spec,
        ownerId,
        reservationId: body.reservationId ?? null,
        timeslotStart: body.timeslotStart,
        timeslotEnd: body.timeslotEnd,
      },
      { now, triggeredBy: principal.subject },
    );
    if (booking.capacityAdmission)
      assertWindowFits(
        change.instance,
        nearInCalendar(await this.cache.read(), change.instance),
        templates,
        { ...booking, region: this.config.region },
      );
    const { revision } = await this.instances.commit(
      change,
      { instance: 'absent' },
      { events: toOutboxEvents(change.events, API_EVENT_SOURCE) },
    );
    return { value: change.instance, revision };
  }

  async list(
    query: InstanceQueryDto,
    principal: Principal,
  ): Promise<Page<Versioned<LabletInstance>>> {
    let ownerId = query.ownerId;
    if (!hasAnyRole(principal, ALL_INSTANCES_READERS)) {
      if (ownerId !== undefined && ownerId !== principal.subject)
        throw new ProblemException(
          'forbidden',
          'you may only list your own instances',
          { errors: [{ field: 'ownerId', message: 'must be your own id' }] },
        );
      ownerId = principal.subject;
    }
    const view = await this.cache.read();
    const filters: [InstanceIndex, string | undefined][] = [
      ['workerId', query.workerId],
      ['definitionId', query.definitionId],
      ['ownerId', ownerId],
      ['state', query.state],
    ];
    const matches = ({ value }: Versioned<LabletInstance>) =>
      (query.state === undefined || value.state === query.state) &&
      (query.workerId === undefined || value.workerId === query.workerId) &&
      (ownerId === undefined || value.ownerId === ownerId) &&
      (query.definitionId === undefined ||
        value.definitionId === query.definitionId);
    return this.page(view, filters, matches, query);
  }

  /** Instances placed on a worker (any owner). */
  async onWorker(
    workerId: string,
    query: PageQueryDto,
  ): Promise<Page<Versioned<LabletInstance>>> {
    const view = await this.cache.read();
    return this.page(
      view,
      [['workerId', workerId]],
      ({ value }) => value.workerId === workerId,
      query,
    );
  }

  /**
   * One page, newest first. The smallest index among the filters gives the candidates when it is
   * selective; otherwise the whole list, sorted once per cache revision, is walked from the cursor.
   */
  private page(
    view: CacheView<Versioned<LabletInstance>>,
    filters: [InstanceIndex, string | undefined][],
    matches: (item: Versioned<LabletInstance>) => boolean,
    query: PageQueryDto,
  ): Page<Versioned<LabletInstance>> {
    let candidates: Versioned<LabletInstance>[] | undefined;
    for (const [index, value] of filters) {
      if (value === undefined) continue;
      const filed = [...view.byIndex(index, value)];
      if (candidates === undefined || filed.length < candidates.length)
        candidates = filed;
    }
    const sorted =
      candidates !== undefined && candidates.length * 4 < view.size
        ? sortItems(candidates, newestFirst)
        : this.sortedAll(view);
    return {
      ...pageOfSorted(sorted, matches, query),
      resourceVersion: view.revision,
    };
  }

  private sortedAt?: {
    revision: number;
    sorted: SortedItems<Versioned<LabletInstance>>;
  };

  /** Every instance, newest first, sorted again only when the cache moved on. */
  private sortedAll(
    view: CacheView<Versioned<LabletInstance>>,
  ): SortedItems<Versioned<LabletInstance>> {
    if (this.sortedAt?.revision !== view.revision)
      this.sortedAt = {
        revision: view.revision,
        sorted: sortItems(view.all(), newestFirst),
      };
    return this.sortedAt.sorted;
  }

  /** Another owner's instance is "not found" for a caller who may only see their own. */
  async get(
    id: string,
    principal: Principal,
  ): Promise<Versioned<LabletInstance>> {
    const found = (await this.cache.read()).get(id);
    if (found === undefined) throw new NotFound('instance', id);
    if (
      !hasAnyRole(principal, ALL_INSTANCES_READERS) &&
      found.value.ownerId !== principal.subject
    )
      throw new NotFound('instance', id);
    return found;
  }

  /** Records the request for the controller to carry out; 409 when the state does not allow it. */
  request(
    id: string,
    action: RequestableAction,
    principal: Principal,
  ): Promise<Versioned<LabletInstance>> {
    return this.mutate(id, principal, (instance, context) =>
      requestInstanceAction(instance, action, context),
    );
  }

  /** A pending instance holds nothing: it is terminated at once. Any other goes through the controller. */
  delete(id: string, principal: Principal): Promise<Versioned<LabletInstance>> {
    return this.mutate(id, principal, (instance, context) =>
      instance.state === 'pending'
        ? terminatePendingInstance(instance, { ...context, reason: 'deleted' })
        : requestInstanceAction(instance, 'delete', context),
    );
  }

  private mutate(
    id: string,
    principal: Principal,
    decide: (
      instance: LabletInstance,
      context: { now: string; triggeredBy: string },
    ) => ReturnType<typeof requestInstanceAction>,
  ): Promise<Versioned<LabletInstance>> {
    return retryOnConflict(async () => {
      const current = await this.instances.require(id);
      if (
        !hasAnyRole(principal, ALL_INSTANCES_WRITERS) &&
        current.value.ownerId !== principal.subject
      )
        throw new NotFound('instance', id);
      const change = decide(current.value, {
        now: isoNow(this.clock),
        triggeredBy: principal.subject,
      });
      // Asking again for what is already asked changes nothing: no write.
      if (change.instance === current.value) return current;
      const { revision } = await this.instances.commit(
        change,
        { instance: current.revision },
        { events: toOutboxEvents(change.events, API_EVENT_SOURCE) },
      );
      return { value: change.instance, revision };
    });
  }

  /** docs/api.md#admission: the definition exists and is not deprecated; the requested or latest usable version is pinned. */
  private async pinDefinition(
    definitionId: string,
    version: string | undefined,
  ): Promise<LabletDefinitionSummary> {
    let named: LabletDefinition;
    try {
      named = await this.catalog.definitionById(definitionId);
    } catch (error) {
      if (error instanceof DocNotFoundError)
        throw unprocessable(
          'definitionId',
          `definition ${definitionId} does not exist`,
        );
      throw error;
    }
    if (version !== undefined) {
      let pinned: LabletDefinition;
      try {
        pinned = await this.catalog.definitionVersion(named.name, version);
      } catch (error) {
        if (error instanceof DocNotFoundError)
          throw unprocessable(
            'definitionVersion',
            `${named.name} has no version ${version}`,
          );
        throw error;
      }
      if (pinned.deprecated)
        throw unprocessable(
          'definitionVersion',
          `${named.name} ${version} is deprecated`,
        );
      return pinned;
    }
    const latest = await this.catalog.latestUsable(named.name);
    if (latest === undefined)
      throw unprocessable(
        'definitionId',
        `every version of ${named.name} is deprecated`,
      );
    return latest;
  }
}

/** Reject what no template of this region could ever host: it would wait forever. */
function assertSomeTemplateFits(
  spec: InstanceSpec,
  templates: readonly WorkerTemplate[],
  region: string,
): void {
  const selection = selectTemplate(spec, templates, { region });
  if (selection.template === null)
    throw unprocessable(
      'definitionId',
      `no worker template could ever host this definition: ${selection.reason}`,
    );
}

type InstanceIndex = 'state' | 'ownerId' | 'definitionId' | 'workerId';

/** Newest first (createdAt, then id): a total order, so pages neither skip nor repeat. */
function newestFirst({ value }: Versioned<LabletInstance>): SortKey {
  return [-Date.parse(value.createdAt), value.id];
}

/**
 * The live instances whose slots can overlap `booking`'s: those on the calendar pages its window
 * touches (the cache's `calendarPage` index), not every instance.
 */
function* nearInCalendar(
  view: CacheView<Versioned<LabletInstance>>,
  booking: LabletInstance,
): Iterable<LabletInstance> {
  for (const page of calendarPagesOverlapping({
    start: booking.timeslotStart,
    end: booking.timeslotEnd,
  }))
    for (const { value } of view.byIndex('calendarPage', page)) yield value;
}
