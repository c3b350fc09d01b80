import {
  addMinutes,
  compareTimestamps,
  createWorker,
  newCapacityRecord,
  restartWorker,
  STARTING_WORKER_STATES,
  toEpochMs,
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

/** SPEC A-9 autoscaler limits. */
export const DEFAULT_MAX_WORKERS_PER_TEMPLATE = 100;
export const DEFAULT_MAX_WORKERS = 200;
/** Workers of one template starting at once (pending or provisioning), requested ones included. */
export const DEFAULT_MAX_SCALE_UP_IN_FLIGHT = 20;
/** How long a lab takes from placement to running, beyond its worker's start-up (SPEC B-5.4: 15 min). */
export const DEFAULT_INSTANTIATION_ALLOWANCE_MINUTES = 15;

export type ScaleUpInstance = Pick<
  LabletInstance,
  'id' | 'spec' | 'state' | 'timeslotStart' | 'createdAt'
>;

export interface ScaleUpOptions {
  /** The deployment region (template selection). */
  region: string;
  /** Added to the template's start-up time: how far ahead of its slot an instance asks for a worker. */
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
   * Deterministic: `<template>/<first instance packed on it>` for a new worker, `restart/<worker id>`
   * for a restart. The same state gives the same ids, so a new leader asks for the same workers.
   */
  requestId: string;
  template: TemplateView;
  /** SPEC B-5.4: "Instance <id> approaching timeslot with no capacity". */
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

export interface ScaleUpPlan {
  requests: ScaleUpRequest[];
  skipped: ScaleUpSkip[];
  /** The earliest time a PENDING instance not yet due asks for capacity (to look again then). */
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

/**
 * When a PENDING instance must ask for capacity so that it runs at its slot: the slot start minus
 * the start-up of the worker it would need and the instantiation allowance.
 */
export function scaleUpDueAt(
  instance: Pick<LabletInstance, 'timeslotStart'>,
  template: Pick<TemplateView, 'startupTimeMinutes'>,
  instantiationAllowanceMinutes = DEFAULT_INSTANTIATION_ALLOWANCE_MINUTES,
): string {
  return addMinutes(
    instance.timeslotStart,
    -(template.startupTimeMinutes + instantiationAllowanceMinutes),
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
  view: WorkerView;
  instanceIds: string[];
}

/** The fresh worker a new request would create: the template's full capacity, no ports held. */
function hypotheticalWorker(template: TemplateView, id: string): WorkerView {
  const change = createWorker(
    {
      id,
      name: id,
      templateName: template.name,
      licenseType: template.licenseType,
      region: template.region,
      portRange: template.portRange,
      declaredCapacity: { ...template.capacity, maxNodes: template.maxNodes },
      drainTimeoutHours: 1,
      startupTimeMinutes: template.startupTimeMinutes,
    },
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
 * of `templateName` first. True when placed (the view replaced, an opened worker's list extended).
 */
function placeOnComing(
  starting: WorkerView[],
  opened: Opened[],
  instance: ScaleUpInstance,
  templateName: string,
  options: ScaleUpOptions,
  now: string,
): boolean {
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
    return true;
  }
  return false;
}

/**
 * SPEC B-5.4 scale-up, sized to demand (as cluster-autoscaler's estimator). Every PENDING instance
 * whose provisioning must begin now (`scaleUpDueAt`) is packed, in queue order and with the
 * scheduler's filters and scorer, onto the running workers, then onto the capacity the starting
 * workers will bring, then onto workers this plan starts of the template `selectTemplate` names:
 * a stopped worker of it restarted first, else a new one. Every worker the packing opened is
 * requested at once, within `maxWorkersPerTemplate`, `maxWorkers` and `maxScaleUpInFlight` (per
 * template, counting workers already starting). A worker requested by an earlier pass is starting,
 * so the same state planned again requests nothing new.
 */
export function decideScaleUp(
  pendingInstances: readonly ScaleUpInstance[],
  workers: readonly WorkerView[],
  templates: readonly TemplateView[],
  options: ScaleUpOptions,
  now: string,
): ScaleUpPlan {
  const allowance =
    options.instantiationAllowanceMinutes ??
    DEFAULT_INSTANTIATION_ALLOWANCE_MINUTES;
  const maxPerTemplate =
    options.maxWorkersPerTemplate ?? DEFAULT_MAX_WORKERS_PER_TEMPLATE;
  const maxWorkers = options.maxWorkers ?? DEFAULT_MAX_WORKERS;
  const maxInFlight =
    options.maxScaleUpInFlight ?? DEFAULT_MAX_SCALE_UP_IN_FLIGHT;
  const runningFilters = options.filters ?? DEFAULT_FILTERS;

  const running = [...workers];
  const starting = workers.filter((v) =>
    STARTING_WORKER_STATES.includes(v.worker.state),
  );
  const live = countLiveWorkers(workers.map((v) => v.worker));
  const inFlight = new Map<string, number>();
  for (const v of starting)
    inFlight.set(
      v.worker.templateName,
      (inFlight.get(v.worker.templateName) ?? 0) + 1,
    );
  const stopped = workers
    .filter((v) => v.worker.state === 'stopped')
    .sort((a, b) => oldestFirst(a.worker, b.worker));
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
    const dueMs = toEpochMs(scaleUpDueAt(instance, template, allowance));
    if (dueMs > nowMs) {
      nextDueMs = nextDueMs === undefined ? dueMs : Math.min(nextDueMs, dueMs);
      continue;
    }
    if (placeOnBest(running, instance, runningFilters, options, now)) continue;
    // The capacity coming: workers already starting and those this plan opens, alike (a second
    // pass sees this plan's workers as starting), those of the template the instance would open
    // first, so an instance that could go anywhere does not take the room one with fewer choices
    // was given a worker for.
    if (placeOnComing(starting, opened, instance, template.name, options, now))
      continue;

    // Open one more worker of the template, within the limits.
    const name = template.name;
    const flying = inFlight.get(name) ?? 0;
    if (flying >= maxInFlight) {
      skip(
        name,
        `template ${name} has ${workerCount(flying)} starting, the limit of MAX_SCALE_UP_IN_FLIGHT`,
        instance.id,
      );
      continue;
    }
    const restartIndex = stopped.findIndex(
      (v) =>
        v.worker.templateName === name &&
        runFilters(RESTART_FILTERS, [v], instance).feasible.length === 1,
    );
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
      const requestId = `${name}/${instance.id}`;
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
    inFlight.set(name, flying + 1);
    opened.push({ request, view: placed, instanceIds: [instance.id] });
  }

  const requests = opened.map(({ request, instanceIds }) => ({
    ...request,
    reason:
      request.restartWorkerId === undefined
        ? approachingReason(instanceIds)
        : `${approachingReason(instanceIds)}; restarting stopped worker ${request.restartWorkerId}`,
    instanceIds,
  }));
  return {
    requests,
    skipped: [...skips.values()],
    ...(nextDueMs !== undefined
      ? { nextDueAt: new Date(nextDueMs).toISOString() }
      : {}),
  };
}
