import {
  addMinutes,
  compareTimestamps,
  createWorker,
  instantiationAllowanceOf,
  newCapacityRecord,
  restartWorker,
  STARTING_WORKER_STATES,
  toEpochMs,
  workerInputFromTemplate,
  type LabletInstance,
  type Worker,
} from '@lcm/domain';
import { compareIds, runFilters } from '../placement/filter-pipeline';
import type { FilterPlugin } from '../placement/plugin';
import { rankCandidates } from '../placement/rank-candidates';
import {
  reserveOnWorker,
  withReservation,
} from '../placement/reserve-on-worker';
import type { WorkerView } from '../placement/worker-view';
import { createAmiRequirementsFilter } from '../plugins/filters/ami-requirements';
import { availableCapacityFilter } from '../plugins/filters/available-capacity';
import { availablePortsFilter } from '../plugins/filters/available-ports';
import {
  DEFAULT_FILTERS,
  LOOK_AHEAD_FILTERS,
} from '../plugins/filters/default-filters';
import { licenseAffinityFilter } from '../plugins/filters/license-affinity';
import { resourceRequirementsFilter } from '../plugins/filters/resource-requirements';
import {
  DEFAULT_PLACEMENT_STRATEGY,
  scorerFor,
  type PlacementStrategy,
} from '../plugins/scorers/strategy';
import { orderPendingQueue } from '../queue/order-pending-queue';
import { selectTemplate } from '../templates/select-template';
import type { TemplateView } from '../templates/template-view';
import { countLiveWorkers } from './live-workers';
import { restartEstimateMinutes } from './restart-estimate';

/** docs/controller.md#timings-and-limits autoscaler limits. */
export const DEFAULT_MAX_WORKERS_PER_TEMPLATE = 100;
export const DEFAULT_MAX_WORKERS = 200;
/** Workers of one template starting at once (pending or provisioning), requested ones included. */
export const DEFAULT_MAX_SCALE_UP_IN_FLIGHT = 20;

export type ScaleUpInstance = Pick<
  LabletInstance,
  'id' | 'spec' | 'state' | 'timeslotStart' | 'createdAt'
>;

export interface ScaleUpOptions {
  /** The deployment region (template selection). */
  region: string;
  /**
   * INSTANTIATION_ALLOWANCE_MINUTES: the allowance of an instance whose definition declares none
   * (`instantiationAllowanceOf`), added to the template's start-up time: how far ahead of its slot
   * an instance asks for a worker.
   */
  instantiationAllowanceMinutes?: number;
  maxWorkersPerTemplate?: number;
  maxWorkers?: number;
  /** Workers of one template starting at once (in flight before this plan plus requested by it). */
  maxScaleUpInFlight?: number;
  /** The scheduler's strategy and filters, so the packing places as the scheduler will. */
  strategy?: PlacementStrategy;
  filters?: readonly FilterPlugin[];
}

/** One worker to start: a new one from the template, or a stopped one of it restarted. */
export interface ScaleUpRequest {
  /**
   * Deterministic: `<template>/<the instance that opened it>` for a new worker, `restart/<worker id>`
   * for a restart. The same state gives the same ids, so a new leader asks for the same workers.
   */
  requestId: string;
  template: TemplateView;
  /** docs/controller.md#autoscaling: "Instance <id> approaching timeslot with no capacity". */
  reason: string;
  /** The instances the packing put on this worker, in queue order. */
  instanceIds: string[];
  /** Set when a stopped worker of the template is restarted instead of creating a new one. */
  restartWorkerId?: string;
  /** now + the template's startupTimeMinutes. */
  estimatedReadyTime: string;
}

export interface ScaleUpSkip {
  /** The template that would have been used; null when none is eligible. */
  template: string | null;
  reason: string;
  instanceIds: string[];
}

/** A stopped worker held for due instances and restarted later: a restart is quicker than a boot. */
export interface DeferredRestart {
  workerId: string;
  /** The earliest slot it serves minus the allowance and the template's restart estimate. */
  restartAt: string;
  /** The instances the packing put on it, in queue order. */
  instanceIds: string[];
}

export interface ScaleUpPlan {
  requests: ScaleUpRequest[];
  skipped: ScaleUpSkip[];
  /** Stopped workers the due instances will have, restarted when their restart time comes (when any). */
  deferred?: DeferredRestart[];
  /** The earliest time a PENDING instance not yet due, or a deferred restart, asks for capacity (to look again then). */
  nextDueAt?: string;
}

/** Could a stopped worker take the instance once restarted? Everything but status (AMI may change). */
const RESTART_FILTERS: readonly FilterPlugin[] = [
  licenseAffinityFilter,
  resourceRequirementsFilter,
  createAmiRequirementsFilter({ acceptUnknownAmi: true }),
  availableCapacityFilter,
  availablePortsFilter,
];

/** The placeholder time of hypothetical workers' records (never compared with anything). */
const HYPOTHETICAL_TIME = '1970-01-01T00:00:00.000Z';
const PLANNER = 'scale-up-plan';
const REASON_IDS_SHOWN = 5;
/** A bound on decideScaleUp's repacking; the plan keeps every limit whenever it stops. */
const MAX_PACKING_ROUNDS = 32;

/**
 * When a PENDING instance must ask for capacity so that it runs at its slot: the slot start minus
 * the start-up of the worker it would need and the instance's instantiation allowance
 * (`instantiationAllowanceOf`: its definition's, else `defaultAllowanceMinutes`).
 */
export function scaleUpDueAt(
  instance: Pick<LabletInstance, 'timeslotStart' | 'spec'>,
  template: Pick<TemplateView, 'startupTimeMinutes'>,
  defaultAllowanceMinutes?: number,
): string {
  return addMinutes(
    instance.timeslotStart,
    -(
      template.startupTimeMinutes +
      instantiationAllowanceOf(instance, defaultAllowanceMinutes)
    ),
  );
}

/**
 * When a stopped worker held for `instance` is asked to restart so that it is running by the time
 * the instance must be placed: the slot minus the instance's allowance and the restart estimate.
 */
function restartDueMs(
  instance: Pick<LabletInstance, 'timeslotStart' | 'spec'>,
  restartMinutes: number,
  defaultAllowanceMinutes: number | undefined,
): number {
  return (
    toEpochMs(instance.timeslotStart) -
    (instantiationAllowanceOf(instance, defaultAllowanceMinutes) +
      restartMinutes) *
      60_000
  );
}

function approachingReason(ids: readonly string[]): string {
  if (ids.length === 1)
    return `Instance ${ids[0]} approaching timeslot with no capacity`;
  const shown = ids.slice(0, REASON_IDS_SHOWN).join(', ');
  const more =
    ids.length > REASON_IDS_SHOWN
      ? `, and ${ids.length - REASON_IDS_SHOWN} more`
      : '';
  return `${ids.length} instances approaching timeslot with no capacity (${shown}${more})`;
}

function workerCount(n: number): string {
  return n === 1 ? '1 worker' : `${n} workers`;
}

function oldestFirst(a: Worker, b: Worker): number {
  return compareTimestamps(a.createdAt, b.createdAt) || compareIds(a.id, b.id);
}

/** A worker the plan would start, as the packing sees it. */
interface Opened {
  request: Omit<ScaleUpRequest, 'reason' | 'instanceIds'>;
  /** As started: nothing placed on it yet (what the next round packs onto). */
  emptyView: WorkerView;
  /** With this round's placements. */
  view: WorkerView;
  instanceIds: string[];
  /** A restart asked for later, at this time (the instances it serves are due, their slot is not near). */
  deferredUntilMs?: number;
}

/** The fresh worker a new request would create: the template's full capacity, no ports held. */
function hypotheticalWorker(template: TemplateView, id: string): WorkerView {
  const change = createWorker(
    workerInputFromTemplate(
      { ...template, drainTimeoutHours: 1 },
      { id, name: id },
    ),
    { now: HYPOTHETICAL_TIME, triggeredBy: PLANNER },
  );
  return {
    worker: change.worker,
    capacity: newCapacityRecord({
      ...template.capacity,
      maxNodes: template.maxNodes,
    }),
    ports: {},
  };
}

/** Places `instance` on the best of `views` that passes `filters`; the updated list, or undefined. */
function placeOnBest(
  views: WorkerView[],
  instance: ScaleUpInstance,
  filters: readonly FilterPlugin[],
  options: ScaleUpOptions,
  now: string,
): WorkerView | undefined {
  const scorer = scorerFor(options.strategy ?? DEFAULT_PLACEMENT_STRATEGY);
  const [best] = rankCandidates(
    runFilters(filters, views, instance).feasible,
    instance,
    scorer,
  );
  if (best === undefined) return undefined;
  const next = withReservation(
    best.view,
    reserveOnWorker(best.view, instance, now),
  );
  views[views.indexOf(best.view)] = next;
  return next;
}

/**
 * Places `instance` on the capacity coming: starting workers and the ones the plan opened, those
 * of `templateName` first. The worker with the instance placed (its view replaced in `starting`,
 * or an opened worker's view and list updated); undefined when none can take it.
 */
function placeOnComing(
  starting: WorkerView[],
  opened: Opened[],
  instance: ScaleUpInstance,
  templateName: string,
  options: ScaleUpOptions,
  now: string,
): WorkerView | undefined {
  for (const ofTemplate of [true, false]) {
    const candidates: {
      view: WorkerView;
      starting?: number;
      opened?: number;
    }[] = [
      ...starting.map((view, i) => ({ view, starting: i })),
      ...opened.map((o, i) => ({ view: o.view, opened: i })),
    ].filter((c) => !ofTemplate || c.view.worker.templateName === templateName);
    const views = candidates.map((c) => c.view);
    const placed = placeOnBest(
      views,
      instance,
      LOOK_AHEAD_FILTERS,
      options,
      now,
    );
    if (!placed) continue;
    const chosen = candidates[views.indexOf(placed)];
    if (chosen.starting !== undefined) starting[chosen.starting] = placed;
    else if (chosen.opened !== undefined) {
      opened[chosen.opened].view = placed;
      opened[chosen.opened].instanceIds.push(instance.id);
    }
    return placed;
  }
  return undefined;
}

/**
 * docs/controller.md#autoscaling scale-up, sized to demand (as cluster-autoscaler's estimator). Every PENDING instance
 * whose provisioning must begin now (`scaleUpDueAt`) is packed, in queue order and with the
 * scheduler's filters and scorer, onto the running workers, then onto the capacity the starting
 * workers will bring, then onto workers this plan starts of the template `selectTemplate` names:
 * a stopped worker of it restarted first, else a new one. Every worker the packing opened is
 * requested at once, within `maxWorkersPerTemplate`, `maxWorkers` and `maxScaleUpInFlight` (per
 * template, counting workers already starting).
 *
 * Never over-asks: the next pass sees the requested workers as starting ones, and packs onto them
 * with all of them present from the start, which can place an instance differently than the pass
 * that opened them one by one (an early instance takes room on a worker opened later for someone
 * else). So the packing is repeated with the workers opened so far counted as starting until it
 * opens none and leaves none of them empty (an empty one is dropped, which frees its place in the
 * limits): the plan is the packing the next pass will make, and that pass requests nothing for an
 * instance this one served. At most MAX_PACKING_ROUNDS packings (a handful in practice).
 */
export function decideScaleUp(
  pendingInstances: readonly ScaleUpInstance[],
  workers: readonly WorkerView[],
  templates: readonly TemplateView[],
  options: ScaleUpOptions,
  now: string,
): ScaleUpPlan {
  const estimates = new Map<string, number>();
  const restartMinutes = (template: TemplateView): number => {
    let minutes = estimates.get(template.name);
    if (minutes === undefined) {
      minutes = restartEstimateMinutes(
        template,
        workers.map((v) => v.worker),
      );
      estimates.set(template.name, minutes);
    }
    return minutes;
  };
  let planned: Opened[] = [];
  for (let round = 1; ; round++) {
    const packed = packRound(
      pendingInstances,
      workers,
      planned,
      templates,
      { ...options, restartMinutes },
      now,
    );
    const used = packed.planned.filter((o) => o.instanceIds.length > 0);
    const settled =
      packed.opened.length === 0 && used.length === packed.planned.length;
    if (settled || round === MAX_PACKING_ROUNDS)
      return toPlan(
        [...used, ...packed.opened],
        packed.skips,
        packed.nextDueMs,
        { pendingInstances, workers, options, restartMinutes, now },
      );
    // An empty worker is not requested; without it the limits may admit another one.
    planned = [...used, ...packed.opened];
  }
}

interface PackRound {
  /** The workers of earlier rounds with what this round placed on them. */
  planned: Opened[];
  /** The workers this round had to open. */
  opened: Opened[];
  skips: ScaleUpSkip[];
  nextDueMs?: number;
}

/**
 * One packing of the due instances, with `planned` (the workers earlier rounds opened, empty)
 * counted as starting: in the limits, and as capacity to pack onto before opening more.
 */
function packRound(
  pendingInstances: readonly ScaleUpInstance[],
  workers: readonly WorkerView[],
  planned: readonly Opened[],
  templates: readonly TemplateView[],
  options: ScaleUpOptions & {
    restartMinutes: (template: TemplateView) => number;
  },
  now: string,
): PackRound {
  const defaultAllowance = options.instantiationAllowanceMinutes;
  const maxPerTemplate =
    options.maxWorkersPerTemplate ?? DEFAULT_MAX_WORKERS_PER_TEMPLATE;
  const maxWorkers = options.maxWorkers ?? DEFAULT_MAX_WORKERS;
  const maxInFlight =
    options.maxScaleUpInFlight ?? DEFAULT_MAX_SCALE_UP_IN_FLIGHT;
  const runningFilters = options.filters ?? DEFAULT_FILTERS;

  const running = [...workers];
  const restarting = new Set(
    planned.flatMap((o) => o.request.restartWorkerId ?? []),
  );
  const plannedViews = planned.map((o) => o.emptyView);
  const starting = [
    ...workers.filter(
      (v) =>
        STARTING_WORKER_STATES.includes(v.worker.state) &&
        !restarting.has(v.worker.id),
    ),
    ...plannedViews,
  ];
  const live = countLiveWorkers([
    ...workers.map((v) => v.worker),
    ...planned
      .filter((o) => o.request.restartWorkerId === undefined)
      .map((o) => o.emptyView.worker),
  ]);
  // A deferred restart is not starting yet: it takes no place in MAX_SCALE_UP_IN_FLIGHT until asked for.
  const deferred = new Set(
    planned
      .filter((o) => o.deferredUntilMs !== undefined)
      .map((o) => o.emptyView.worker.id),
  );
  const inFlight = new Map<string, number>();
  for (const v of starting.filter((v) => !deferred.has(v.worker.id)))
    inFlight.set(
      v.worker.templateName,
      (inFlight.get(v.worker.templateName) ?? 0) + 1,
    );
  const stopped = workers
    .filter((v) => v.worker.state === 'stopped' && !restarting.has(v.worker.id))
    .sort((a, b) => oldestFirst(a.worker, b.worker));
  const requestIds = new Set(planned.map((o) => o.request.requestId));
  const onPlanned = new Map<string, string[]>();
  const opened: Opened[] = [];
  const skips = new Map<string, ScaleUpSkip>();
  const nowMs = toEpochMs(now);
  let nextDueMs: number | undefined;

  const skip = (template: string | null, reason: string, id: string) => {
    const key = `${template ?? ''}\n${reason}`;
    const entry = skips.get(key) ?? { template, reason, instanceIds: [] };
    entry.instanceIds.push(id);
    skips.set(key, entry);
  };

  for (const instance of orderPendingQueue(
    pendingInstances.filter((i) => i.state === 'pending'),
  )) {
    const selection = selectTemplate(instance.spec, templates, {
      region: options.region,
    });
    const template = selection.template;
    if (template === null) {
      skip(null, selection.reason, instance.id);
      continue;
    }
    const dueMs = toEpochMs(scaleUpDueAt(instance, template, defaultAllowance));
    if (dueMs > nowMs) {
      nextDueMs = nextDueMs === undefined ? dueMs : Math.min(nextDueMs, dueMs);
      continue;
    }
    if (placeOnBest(running, instance, runningFilters, options, now)) continue;
    // The capacity coming: workers already starting (this plan's earlier rounds' included) and
    // those this round opens, alike, those of the template the instance would open first, so an
    // instance that could go anywhere does not take the room one with fewer choices was given a
    // worker for.
    const coming = placeOnComing(
      starting,
      opened,
      instance,
      template.name,
      options,
      now,
    );
    if (coming !== undefined) {
      const workerId = coming.worker.id;
      if (plannedViews.some((v) => v.worker.id === workerId))
        onPlanned.set(workerId, [
          ...(onPlanned.get(workerId) ?? []),
          instance.id,
        ]);
      continue;
    }

    // Open one more worker of the template, within the limits.
    const name = template.name;
    const flying = inFlight.get(name) ?? 0;
    const restartIndex = stopped.findIndex(
      (v) =>
        v.worker.templateName === name &&
        runFilters(RESTART_FILTERS, [v], instance).feasible.length === 1,
    );
    // A restart is quicker than a boot: it is asked for when the slot minus the allowance and the
    // template's restart estimate comes, and until then the stopped worker is held for the
    // instance (no new worker is started for it). toPlan takes the earliest of those it serves.
    const restartAtMs =
      restartIndex >= 0
        ? restartDueMs(
            instance,
            options.restartMinutes(template),
            defaultAllowance,
          )
        : undefined;
    const deferUntilMs =
      restartAtMs !== undefined && restartAtMs > nowMs
        ? restartAtMs
        : undefined;
    if (deferUntilMs === undefined && flying >= maxInFlight) {
      skip(
        name,
        `template ${name} has ${workerCount(flying)} starting, the limit of MAX_SCALE_UP_IN_FLIGHT`,
        instance.id,
      );
      continue;
    }
    let view: WorkerView;
    let request: Opened['request'];
    const estimatedReadyTime = addMinutes(now, template.startupTimeMinutes);
    if (restartIndex >= 0) {
      const [restart] = stopped.splice(restartIndex, 1);
      view = {
        ...restart,
        worker: restartWorker(restart.worker, { now, triggeredBy: PLANNER })
          .worker,
      };
      request = {
        requestId: `restart/${restart.worker.id}`,
        template,
        restartWorkerId: restart.worker.id,
        estimatedReadyTime,
      };
    } else {
      const ofTemplate = live.byTemplate.get(name) ?? 0;
      if (ofTemplate >= maxPerTemplate) {
        skip(
          name,
          `template ${name} is at its limit of ${workerCount(maxPerTemplate)}`,
          instance.id,
        );
        continue;
      }
      if (live.total >= maxWorkers) {
        skip(name, `at the limit of ${workerCount(maxWorkers)}`, instance.id);
        continue;
      }
      live.total++;
      live.byTemplate.set(name, ofTemplate + 1);
      // An instance opens a second worker when a later round packs its first one full with
      // instances ahead of it; the ids stay distinct and deterministic.
      let requestId = `${name}/${instance.id}`;
      for (let n = 2; requestIds.has(requestId); n++)
        requestId = `${name}/${instance.id}/${n}`;
      requestIds.add(requestId);
      view = hypotheticalWorker(template, requestId);
      request = { requestId, template, estimatedReadyTime };
    }
    const placed = placeOnBest([view], instance, RESTART_FILTERS, options, now);
    if (!placed) {
      // selectTemplate said the template fits the spec; a port template larger than the range
      // is the only way to get here, and no worker of the template would ever take it.
      skip(name, `no worker of template ${name} can take it`, instance.id);
      continue;
    }
    if (deferUntilMs === undefined) inFlight.set(name, flying + 1);
    opened.push({
      request,
      emptyView: view,
      view: placed,
      instanceIds: [instance.id],
      ...(deferUntilMs !== undefined ? { deferredUntilMs: deferUntilMs } : {}),
    });
  }

  return {
    planned: planned.map((o) => ({
      ...o,
      instanceIds: onPlanned.get(o.emptyView.worker.id) ?? [],
    })),
    opened,
    skips: [...skips.values()],
    nextDueMs,
  };
}

function toPlan(
  opened: readonly Opened[],
  skipped: ScaleUpSkip[],
  nextDueMs: number | undefined,
  context: {
    pendingInstances: readonly ScaleUpInstance[];
    workers: readonly WorkerView[];
    options: ScaleUpOptions;
    restartMinutes: (template: TemplateView) => number;
    now: string;
  },
): ScaleUpPlan {
  const maxInFlight =
    context.options.maxScaleUpInFlight ?? DEFAULT_MAX_SCALE_UP_IN_FLIGHT;
  const nowMs = toEpochMs(context.now);
  const byId = new Map(context.pendingInstances.map((i) => [i.id, i]));
  const inFlight = new Map<string, number>();
  const count = (template: string) =>
    inFlight.set(template, (inFlight.get(template) ?? 0) + 1);
  for (const v of context.workers)
    if (STARTING_WORKER_STATES.includes(v.worker.state))
      count(v.worker.templateName);
  for (const o of opened)
    if (o.deferredUntilMs === undefined) count(o.request.template.name);

  const asked: Opened[] = [];
  const deferred: DeferredRestart[] = [];
  let nextMs = nextDueMs;
  for (const o of opened) {
    const workerId = o.request.restartWorkerId;
    if (o.deferredUntilMs === undefined || workerId === undefined) {
      asked.push(o);
      continue;
    }
    // The earliest restart any instance it serves needs after the last packing (an earlier round
    // may have put another instance first; allowances differ between definitions).
    const restartMinutes = context.restartMinutes(o.request.template);
    const restartAtMs = Math.min(
      ...o.instanceIds.map((id) => {
        const instance = byId.get(id);
        return instance === undefined
          ? nowMs
          : restartDueMs(
              instance,
              restartMinutes,
              context.options.instantiationAllowanceMinutes,
            );
      }),
    );
    const name = o.request.template.name;
    if (restartAtMs <= nowMs) {
      const flying = inFlight.get(name) ?? 0;
      if (flying < maxInFlight) {
        count(name);
        asked.push(o);
      } else {
        // Due now but the template is at its limit: skipped, asked for on a later pass.
        skipped.push({
          template: name,
          reason: `template ${name} has ${workerCount(flying)} starting, the limit of MAX_SCALE_UP_IN_FLIGHT`,
          instanceIds: o.instanceIds,
        });
      }
      continue;
    }
    deferred.push({
      workerId,
      restartAt: new Date(restartAtMs).toISOString(),
      instanceIds: o.instanceIds,
    });
    nextMs = nextMs === undefined ? restartAtMs : Math.min(nextMs, restartAtMs);
  }
  const requests = asked.map(({ request, instanceIds }) => ({
    ...request,
    reason:
      request.restartWorkerId === undefined
        ? approachingReason(instanceIds)
        : `${approachingReason(instanceIds)}; restarting stopped worker ${request.restartWorkerId}`,
    instanceIds,
  }));
  return {
    requests,
    skipped,
    ...(deferred.length > 0 ? { deferred } : {}),
    ...(nextMs !== undefined
      ? { nextDueAt: new Date(nextMs).toISOString() }
      : {}),
  };
}
