import {
  acceptsNewInstances,
  instantiationAllowanceOf,
  isTerminalInstanceState,
  licensedNodeCapacity,
  STARTING_WORKER_STATES,
  toEpochMs,
  type LabletInstance,
  type Worker,
  type WorkerCapacity,
} from '@lcm/domain';
import { selectTemplate } from '../templates/select-template';
import type { TemplateView } from '../templates/template-view';
import { workersToHold } from './window-demand';

export interface CapacityForecastOptions {
  region: string;
  from: string;
  to: string;
  stepMinutes: number;
  /** MAX_WORKERS. */
  maxWorkers: number;
  /** INSTANTIATION_ALLOWANCE_MINUTES: the allowance of an instance whose definition declares none. */
  instantiationAllowanceMinutes?: number;
  /** When the forecast is made (the start-up of a new worker counts from now). */
  now: string;
}

export interface ForecastDemand {
  instances: number;
  cpuCores: number;
  memoryGb: number;
  nodes: number;
}

export interface ForecastTemplate {
  template: string;
  /** Workers of the template running now. */
  running: number;
  /**
   * Of the running ones, those that take no new labs (cordoned, or their engine's licence runs no
   * labs): they count as neither room nor hosting for the demand.
   */
  unavailable: number;
  /** Workers of the template requested and still starting now. */
  starting: number;
  /** Workers of the template that hold the step's demand (first-fit decreasing, `workersToHold`). */
  needed: number;
  /** Workers beyond the available running and the starting ones the scale-up will have to start. */
  planned: number;
}

export interface BookingAtRisk {
  instanceId: string;
  timeslotStart: string;
  reason: string;
}

export interface ForecastStep {
  at: string;
  demand: ForecastDemand;
  templates: ForecastTemplate[];
  /**
   * The capacity of the workers that take new labs (running and available, or starting) minus the
   * demand (negative: short); nodes as the engine's licence caps them.
   */
  free: { cpuCores: number; memoryGb: number; nodes: number };
  /** Bookings starting in this step that cannot start on time given boot times and limits. */
  atRisk: BookingAtRisk[];
}

export interface CapacityForecast {
  from: string;
  to: string;
  stepMinutes: number;
  maxWorkers: number;
  steps: ForecastStep[];
}

type ForecastInstance = Pick<
  LabletInstance,
  'id' | 'state' | 'spec' | 'timeslotStart' | 'timeslotEnd'
>;

/** A worker whose capacity the demand can count on: one that takes new labs, or one starting. */
const USABLE_WORKER = (w: Worker) =>
  acceptsNewInstances(w) || STARTING_WORKER_STATES.includes(w.state);

/**
 * The capacity calendar: for each step from `from` to `to`, the booked demand (live instances whose
 * slot overlaps the step), per template the workers running and starting now and the workers the
 * demand needs (`workersToHold`), what is free, and
 * the PENDING bookings starting in the step that cannot start on time: the fleet limit is in the
 * way, or their template needs a new worker that cannot boot (start-up plus the instantiation
 * allowance) before the slot.
 */
export function forecastCapacity(
  instances: readonly ForecastInstance[],
  workers: readonly Worker[],
  templates: readonly TemplateView[],
  options: CapacityForecastOptions,
): CapacityForecast {
  const stepMs = options.stepMinutes * 60_000;
  const nowMs = toEpochMs(options.now);
  const live = instances.filter((i) => !isTerminalInstanceState(i.state));
  const templateOf = new Map(
    live.map((i) => [
      i.id,
      selectTemplate(i.spec, templates, { region: options.region }).template,
    ]),
  );
  const workersOf = (name: string, state: (w: Worker) => boolean) =>
    workers.filter((w) => w.templateName === name && state(w)).length;
  const declared = workers.filter(USABLE_WORKER).reduce<WorkerCapacity>(
    (sum, w) => {
      const template = templates.find((t) => t.name === w.templateName);
      if (!template) return sum;
      return {
        cpuCores: sum.cpuCores + template.capacity.cpuCores,
        memoryGb: sum.memoryGb + template.capacity.memoryGb,
        storageGb: sum.storageGb + template.capacity.storageGb,
        maxNodes:
          sum.maxNodes +
          licensedNodeCapacity(template.maxNodes, w.reportedLicense ?? null),
      };
    },
    { cpuCores: 0, memoryGb: 0, storageGb: 0, maxNodes: 0 },
  );

  const steps: ForecastStep[] = [];
  for (
    let t = toEpochMs(options.from);
    t < toEpochMs(options.to);
    t += stepMs
  ) {
    const end = t + stepMs;
    const booked = live.filter(
      (i) => toEpochMs(i.timeslotStart) < end && toEpochMs(i.timeslotEnd) > t,
    );
    const demand: ForecastDemand = {
      instances: booked.length,
      cpuCores: booked.reduce((s, i) => s + i.spec.requirements.cpuCores, 0),
      memoryGb: booked.reduce((s, i) => s + i.spec.requirements.memoryGb, 0),
      nodes: booked.reduce((s, i) => s + i.spec.nodeCount, 0),
    };
    const byTemplate = new Map<TemplateView, ForecastInstance[]>();
    for (const instance of booked) {
      const template = templateOf.get(instance.id);
      if (!template) continue;
      byTemplate.set(template, [...(byTemplate.get(template) ?? []), instance]);
    }
    const rows: ForecastTemplate[] = [];
    for (const template of templates.filter(
      (t) => t.region === options.region,
    )) {
      const mine = byTemplate.get(template) ?? [];
      const needed = workersToHold(
        mine.map((i) => i.spec),
        template,
      );
      const running = workersOf(template.name, (w) => w.state === 'running');
      const unavailable = workersOf(
        template.name,
        (w) => w.state === 'running' && !acceptsNewInstances(w),
      );
      const starting = workersOf(template.name, (w) =>
        STARTING_WORKER_STATES.includes(w.state),
      );
      rows.push({
        template: template.name,
        running,
        unavailable,
        starting,
        needed,
        planned: Math.max(0, needed - (running - unavailable) - starting),
      });
    }
    // Unavailable workers keep running beside those that hold the demand.
    const totalNeeded = rows.reduce(
      (s, r) => s + Math.max(r.needed + r.unavailable, r.running + r.starting),
      0,
    );
    const atRisk: BookingAtRisk[] = [];
    for (const instance of booked) {
      const start = toEpochMs(instance.timeslotStart);
      if (instance.state !== 'pending' || start < t || start >= end) continue;
      const template = templateOf.get(instance.id);
      if (!template) {
        atRisk.push({
          instanceId: instance.id,
          timeslotStart: instance.timeslotStart,
          reason: 'no template of the region can host it',
        });
        continue;
      }
      const row = rows.find((r) => r.template === template.name);
      const allowance = instantiationAllowanceOf(
        instance,
        options.instantiationAllowanceMinutes,
      );
      if (totalNeeded > options.maxWorkers) {
        atRisk.push({
          instanceId: instance.id,
          timeslotStart: instance.timeslotStart,
          reason: `the step needs ${totalNeeded} workers, more than MAX_WORKERS (${options.maxWorkers})`,
        });
      } else if (
        row !== undefined &&
        row.planned > 0 &&
        nowMs + (template.startupTimeMinutes + allowance) * 60_000 > start
      ) {
        atRisk.push({
          instanceId: instance.id,
          timeslotStart: instance.timeslotStart,
          reason: `needs a new ${template.name} worker, which takes ${template.startupTimeMinutes} min to start plus ${allowance} min to instantiate`,
        });
      }
    }
    steps.push({
      at: new Date(t).toISOString(),
      demand,
      templates: rows,
      free: {
        cpuCores: declared.cpuCores - demand.cpuCores,
        memoryGb: declared.memoryGb - demand.memoryGb,
        nodes: declared.maxNodes - demand.nodes,
      },
      atRisk,
    });
  }
  return {
    from: options.from,
    to: options.to,
    stepMinutes: options.stepMinutes,
    maxWorkers: options.maxWorkers,
    steps,
  };
}
