import {
  addMinutes,
  compareTimestamps,
  DEFAULT_LEAD_TIME_MINUTES,
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
import { DEFAULT_FILTERS } from '../plugins/filters/default-filters';
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

export type ScaleUpInstance = Pick<
  LabletInstance,
  'id' | 'spec' | 'state' | 'timeslotStart' | 'createdAt'
>;

export interface ScaleUpOptions {
  /** The deployment region (template selection). */
  region: string;
  /** How far ahead to look (SPEC B-5.4: 35 min = 20 boot + 15 instantiation). */
  leadTimeMinutes?: number;
  maxWorkersPerTemplate?: number;
  maxWorkers?: number;
  /** The scheduler's strategy and filters, so the look-ahead places as the scheduler will. */
  strategy?: PlacementStrategy;
  filters?: readonly FilterPlugin[];
}

export interface ScaleUpRequest {
  template: TemplateView;
  /** SPEC B-5.4: "Instance <id> approaching timeslot with no capacity". */
  reason: string;
  /** The instances this capacity is for, in queue order. */
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
}

/** Could a stopped worker take the instance once restarted? Everything but status (AMI may change). */
const RESTART_FILTERS: readonly FilterPlugin[] = [
  licenseAffinityFilter,
  resourceRequirementsFilter,
  createAmiRequirementsFilter({ acceptUnknownAmi: true }),
  availableCapacityFilter,
  availablePortsFilter,
];

interface Group {
  template: TemplateView | null;
  reason: string;
  instances: ScaleUpInstance[];
}

function approachingReason(ids: readonly string[]): string {
  return ids.length === 1
    ? `Instance ${ids[0]} approaching timeslot with no capacity`
    : `${ids.length} instances approaching timeslot with no capacity (${ids.join(', ')})`;
}

function workerCount(n: number): string {
  return n === 1 ? '1 worker' : `${n} workers`;
}

function oldestFirst(a: Worker, b: Worker): number {
  return compareTimestamps(a.createdAt, b.createdAt) || compareIds(a.id, b.id);
}

/**
 * Places every PENDING instance in queue order on a copy of the workers, exactly as the scheduler
 * would (so two instances never count the same free room); returns the ones left unplaced.
 */
function unplacedInQueueOrder(
  instances: readonly ScaleUpInstance[],
  workers: readonly WorkerView[],
  options: ScaleUpOptions,
  now: string,
): ScaleUpInstance[] {
  const filters = options.filters ?? DEFAULT_FILTERS;
  const scorer = scorerFor(options.strategy ?? DEFAULT_PLACEMENT_STRATEGY);
  let views = [...workers];
  const unplaced: ScaleUpInstance[] = [];
  for (const instance of orderPendingQueue(
    instances.filter((i) => i.state === 'pending'),
  )) {
    const [best] = rankCandidates(
      runFilters(filters, views, instance).feasible,
      instance,
      scorer,
    );
    if (best === undefined) {
      unplaced.push(instance);
      continue;
    }
    const next = withReservation(
      best.view,
      reserveOnWorker(best.view, instance, now),
    );
    views = views.map((v) => (v === best.view ? next : v));
  }
  return unplaced;
}

/**
 * SPEC B-5.4 scale-up look-ahead. PENDING instances starting within the lead time that fit on no
 * running worker (after the instances ahead of them in the queue took their room) each get a
 * template from `selectTemplate`. One request per template: none while the template has a
 * starting worker (at most one scale-up in flight), none above maxWorkersPerTemplate or
 * maxWorkers; a stopped worker of the template is restarted rather than a new one created.
 */
export function decideScaleUp(
  pendingInstances: readonly ScaleUpInstance[],
  workers: readonly WorkerView[],
  templates: readonly TemplateView[],
  options: ScaleUpOptions,
  now: string,
): ScaleUpPlan {
  const leadMs =
    (options.leadTimeMinutes ?? DEFAULT_LEAD_TIME_MINUTES) * 60_000;
  const horizon = toEpochMs(now) + leadMs;
  const due = unplacedInQueueOrder(
    pendingInstances,
    workers,
    options,
    now,
  ).filter((i) => toEpochMs(i.timeslotStart) <= horizon);

  // Group by chosen template (or by refusal), in the queue order of each group's first instance.
  const groups = new Map<string, Group>();
  for (const instance of due) {
    const selection = selectTemplate(instance.spec, templates, {
      region: options.region,
    });
    const key =
      selection.template === null
        ? `none:${selection.reason}`
        : `template:${selection.template.name}`;
    const group = groups.get(key) ?? {
      template: selection.template,
      reason: selection.reason,
      instances: [],
    };
    group.instances.push(instance);
    groups.set(key, group);
  }

  const maxPerTemplate =
    options.maxWorkersPerTemplate ?? DEFAULT_MAX_WORKERS_PER_TEMPLATE;
  const maxWorkers = options.maxWorkers ?? DEFAULT_MAX_WORKERS;
  const live = countLiveWorkers(workers.map((v) => v.worker));
  const requests: ScaleUpRequest[] = [];
  const skipped: ScaleUpSkip[] = [];

  for (const group of groups.values()) {
    const instanceIds = group.instances.map((i) => i.id);
    const { template } = group;
    if (template === null) {
      skipped.push({ template: null, reason: group.reason, instanceIds });
      continue;
    }
    const ofTemplate = workers.filter(
      (v) => v.worker.templateName === template.name,
    );
    const starting = ofTemplate
      .map((v) => v.worker)
      .filter((w) => STARTING_WORKER_STATES.includes(w.state))
      .sort(oldestFirst);
    if (starting.length > 0) {
      skipped.push({
        template: template.name,
        reason: `scale-up already in flight: ${starting.map((w) => `${w.id} ${w.state}`).join(', ')}`,
        instanceIds,
      });
      continue;
    }
    const base = approachingReason(instanceIds);
    const estimatedReadyTime = addMinutes(now, template.startupTimeMinutes);
    const [restart] = ofTemplate
      .filter(
        (v) =>
          v.worker.state === 'stopped' &&
          runFilters(RESTART_FILTERS, [v], group.instances[0]).feasible
            .length === 1,
      )
      .map((v) => v.worker)
      .sort(oldestFirst);
    if (restart !== undefined) {
      requests.push({
        template,
        reason: `${base}; restarting stopped worker ${restart.id}`,
        instanceIds,
        restartWorkerId: restart.id,
        estimatedReadyTime,
      });
      continue;
    }
    const templateCount = live.byTemplate.get(template.name) ?? 0;
    if (templateCount >= maxPerTemplate) {
      skipped.push({
        template: template.name,
        reason: `template ${template.name} is at its limit of ${workerCount(maxPerTemplate)}`,
        instanceIds,
      });
      continue;
    }
    if (live.total >= maxWorkers) {
      skipped.push({
        template: template.name,
        reason: `at the limit of ${workerCount(maxWorkers)}`,
        instanceIds,
      });
      continue;
    }
    live.total++;
    live.byTemplate.set(template.name, templateCount + 1);
    requests.push({ template, reason: base, instanceIds, estimatedReadyTime });
  }
  return { requests, skipped };
}
