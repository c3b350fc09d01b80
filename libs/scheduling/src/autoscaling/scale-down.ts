import {
  compareTimestamps,
  drainDeadline,
  instantiationAllowanceOf,
  isDrainOverdue,
  isTerminalInstanceState,
  minutesBetween,
  toEpochMs,
  type LabletInstance,
  type Worker,
} from '@lcm/domain';
import { compareIds, runFilters } from '../placement/filter-pipeline';
import type { FilterPlugin } from '../placement/plugin';
import type { WorkerView } from '../placement/worker-view';
import { rankCandidates } from '../placement/rank-candidates';
import {
  reserveOnWorker,
  withReservation,
} from '../placement/reserve-on-worker';
import { DEFAULT_FILTERS } from '../plugins/filters/default-filters';
import {
  DEFAULT_PLACEMENT_STRATEGY,
  scorerFor,
  type PlacementStrategy,
} from '../plugins/scorers/strategy';
import { orderPendingQueue } from '../queue/order-pending-queue';

/**
 * How long a running worker must have been idle before it is drained, at least (docs/controller.md#timings-and-limits said 30).
 * The bookings keep what they need (`neededIdleWorkers`: an idle worker a booking wants before a
 * restart of it could be ready stays up), so this only hedges for unbooked demand (walk-ins, a
 * lab asked for again) and the scheduler placing on a worker as it is drained: 10 min, as
 * cluster-autoscaler's scale-down-unneeded-time. In the capacity bench 30 min cost 0.3 x the lower
 * bound in worker-hours, 10 min 0.1 x, 0 nothing more, with the walk-ins' wait unchanged. It holds
 * only while the idle worker is that headroom: beside a busy worker with room for another lab like
 * its last one it is drained at once (`busyWorkerWithRoom`; in the capacity bench the 0.1 x is
 * gone, 1.56 -> 1.45 x, walk-ins' p50/p90/max wait unchanged).
 */
export const DEFAULT_SCALE_DOWN_GRACE_PERIOD_MINUTES = 10;
/** docs/controller.md#timings-and-limits: running workers kept per template even when idle. */
export const DEFAULT_MIN_WARM_WORKERS = 0;

export type ScaleDownInstance = Pick<
  LabletInstance,
  | 'id'
  | 'spec'
  | 'state'
  | 'workerId'
  | 'terminatedAt'
  | 'timeslotStart'
  | 'createdAt'
>;

export interface ScaleDownOptions {
  gracePeriodMinutes?: number;
  /** For every template; `minWarmWorkersByTemplate` overrides it per template. */
  minWarmWorkers?: number;
  minWarmWorkersByTemplate?: Readonly<Record<string, number>>;
  /** The scheduler's filters, to see whether a pending instance is about to land on a worker. */
  filters?: readonly FilterPlugin[];
  /** The scheduler's strategy: which of the workers with room a pending instance would land on. */
  strategy?: PlacementStrategy;
  /**
   * INSTANTIATION_ALLOWANCE_MINUTES, as `decideScaleUp` uses it (when a booking asks for a worker):
   * the allowance of an instance whose definition declares none.
   */
  instantiationAllowanceMinutes?: number;
}

/** `code` is the domain transition's reason (startDraining / stopDrainedWorker). */
export type ScaleDownAction =
  | {
      action: 'drain';
      code: 'scale_down_idle';
      workerId: string;
      templateName: string;
      reason: string;
    }
  | {
      action: 'stop';
      code: 'drain_complete';
      workerId: string;
      templateName: string;
      reason: string;
    }
  | {
      action: 'force_stop';
      code: 'drain_timeout';
      workerId: string;
      templateName: string;
      reason: string;
      /** Still on the worker: to be force-terminated before the worker stops. */
      instanceIds: string[];
    };

export interface ScaleDownKept {
  workerId: string;
  reason: string;
}

export interface ScaleDownPlan {
  /** Sorted by worker id. */
  actions: ScaleDownAction[];
  /** Running and draining workers left alone, and why. Sorted by worker id. */
  kept: ScaleDownKept[];
}

interface IdleCandidate {
  worker: Worker;
  idleSince: string;
  /** Set when it is drained within the grace period: why the grace does not hold it. */
  headroomElsewhere?: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** When the worker became idle: it last entered `running`, or its last instance terminated. */
function idleSince(
  worker: Worker,
  instances: readonly ScaleDownInstance[],
): string {
  let since = worker.createdAt;
  for (const entry of worker.stateHistory) {
    if (entry.to === 'running') since = entry.at;
  }
  for (const instance of instances) {
    if (
      instance.workerId === worker.id &&
      instance.terminatedAt !== null &&
      toEpochMs(instance.terminatedAt) > toEpochMs(since)
    ) {
      since = instance.terminatedAt;
    }
  }
  return since;
}

/**
 * The grace period keeps an idle worker as headroom for unbooked demand (a walk-in placed at once
 * instead of after a worker's start-up). A worker that stays up anyway (a busy running worker)
 * with room for another lab like the last one this worker ran is that headroom already: the idle
 * one is not needed for it. The busy worker that has room, or undefined (the grace holds; also
 * when the worker never ran a lab, so there is nothing to measure the room by).
 */
function busyWorkerWithRoom(
  worker: Worker,
  views: readonly WorkerView[],
  instances: readonly ScaleDownInstance[],
  busy: ReadonlySet<string>,
  filters: readonly FilterPlugin[],
): string | undefined {
  let last: ScaleDownInstance | undefined;
  for (const instance of instances)
    if (
      instance.workerId === worker.id &&
      instance.terminatedAt !== null &&
      (last?.terminatedAt == null ||
        toEpochMs(instance.terminatedAt) > toEpochMs(last.terminatedAt))
    )
      last = instance;
  if (last === undefined) return undefined;
  const others = views.filter(
    (v) =>
      v.worker.id !== worker.id &&
      v.worker.state === 'running' &&
      !v.worker.cordoned &&
      busy.has(v.worker.id),
  );
  const feasible = runFilters(filters, others, last).feasible;
  return feasible.length === 0
    ? undefined
    : [...feasible].sort((a, b) => compareIds(a.worker.id, b.worker.id))[0]
        .worker.id;
}

/**
 * When a pending instance is placed on a running worker with room for it: its booking window
 * without a worker to start (`bookingWindow` with workers), the slot minus its instantiation
 * allowance (`instantiationAllowanceOf`); an ASAP instance (slot at creation) at once.
 */
function placedOnRunningAt(
  instance: Pick<ScaleDownInstance, 'timeslotStart' | 'spec'>,
  defaultAllowanceMinutes: number | undefined,
): number {
  return (
    toEpochMs(instance.timeslotStart) -
    instantiationAllowanceOf(instance, defaultAllowanceMinutes) * 60_000
  );
}

/**
 * Which idle workers the pending instances will use before a worker started for them could be
 * ready: every pending instance that would be placed on a running worker (`placedOnRunningAt`: its
 * slot minus the allowance) within a worker's start-up time from now is packed, in queue order
 * with the scheduler's filters and scorer, onto the running workers (busy ones with room included,
 * so a booking that fits beside others keeps no idle worker up). The idle workers the packing uses
 * are needed, with the first instance that needs each. Keeping one costs its idle wait until that
 * placement, at most a start-up. These are exactly the instances already due for a worker
 * (`scaleUpDueAt`: slot minus start-up minus allowance): drained, the scale-up would at once ask
 * for another for them, a fresh boot when no stopped worker is left (the drained one is still
 * stopping), which may no longer be ready in time. Not-yet-due bookings keep nothing: by their
 * due time the worker is stopped, and restarting it costs less than the wait.
 */
function neededIdleWorkers(
  workers: readonly WorkerView[],
  idleIds: readonly string[],
  pending: readonly ScaleDownInstance[],
  options: {
    filters: readonly FilterPlugin[];
    strategy?: PlacementStrategy;
    defaultAllowance: number | undefined;
  },
  now: string,
): Map<string, string> {
  const needed = new Map<string, string>();
  if (idleIds.length === 0 || pending.length === 0) return needed;
  const scorer = scorerFor(options.strategy ?? DEFAULT_PLACEMENT_STRATEGY);
  const views = workers.filter(
    (v) => v.worker.state === 'running' && !v.worker.cordoned,
  );
  const nowMs = toEpochMs(now);
  for (const instance of pending) {
    // On a running worker with room it is placed at its slot minus the allowance (its booking
    // window: no worker must be started). Needed when that comes within a start-up.
    const soon = (v: WorkerView) =>
      placedOnRunningAt(instance, options.defaultAllowance) <=
      nowMs + v.worker.startupTimeMinutes * 60_000;
    const [best] = rankCandidates(
      runFilters(options.filters, views.filter(soon), instance).feasible,
      instance,
      scorer,
    );
    if (best === undefined) continue;
    views[views.indexOf(best.view)] = withReservation(
      best.view,
      reserveOnWorker(best.view, instance, now),
    );
    const id = best.view.worker.id;
    if (!idleIds.includes(id) || needed.has(id)) continue;
    const placedAt = placedOnRunningAt(instance, options.defaultAllowance);
    needed.set(
      id,
      placedAt <= nowMs
        ? `pending instance ${instance.id} fits here`
        : `pending instance ${instance.id} is placed here at ${new Date(placedAt).toISOString()}, within the ${best.view.worker.startupTimeMinutes} min a worker takes to start`,
    );
  }
  return needed;
}

/**
 * docs/controller.md#autoscaling scale-down. A running worker is drained when nothing non-terminal is assigned to it,
 * it has been idle for the grace period (or a busy running worker has room for another lab like
 * its last one: `busyWorkerWithRoom`, the headroom the grace stands for), no pending instance will need it before a restart of it
 * could be ready (`neededIdleWorkers`), and its template keeps `minWarmWorkers` running. A
 * draining worker with no instances left is stopped; one past its drain timeout (drainStartedAt +
 * drainTimeoutHours) is force-stopped.
 * Cordoned workers are an admin's decision and are left alone.
 */
export function decideScaleDown(
  workers: readonly WorkerView[],
  instances: readonly ScaleDownInstance[],
  options: ScaleDownOptions,
  now: string,
): ScaleDownPlan {
  const grace =
    options.gracePeriodMinutes ?? DEFAULT_SCALE_DOWN_GRACE_PERIOD_MINUTES;
  const filters = options.filters ?? DEFAULT_FILTERS;
  const minWarm = (template: string): number =>
    options.minWarmWorkersByTemplate?.[template] ??
    options.minWarmWorkers ??
    DEFAULT_MIN_WARM_WORKERS;

  const onWorker = new Map<string, string[]>();
  for (const instance of instances) {
    if (instance.workerId === null || isTerminalInstanceState(instance.state))
      continue;
    onWorker.set(instance.workerId, [
      ...(onWorker.get(instance.workerId) ?? []),
      instance.id,
    ]);
  }
  const pending = orderPendingQueue(
    instances.filter((i) => i.state === 'pending'),
  );

  // Running workers with something assigned: they stay up (the headroom the grace stands for).
  const busyWorkers = new Set(onWorker.keys());
  const actions: ScaleDownAction[] = [];
  const kept: ScaleDownKept[] = [];
  const idle: IdleCandidate[] = [];
  const warmByTemplate = new Map<string, number>();

  for (const view of workers) {
    const { worker } = view;
    const assigned = (onWorker.get(worker.id) ?? []).sort(compareIds);
    if (worker.state === 'running') {
      if (worker.cordoned) {
        kept.push({ workerId: worker.id, reason: 'cordoned by an admin' });
        continue;
      }
      warmByTemplate.set(
        worker.templateName,
        (warmByTemplate.get(worker.templateName) ?? 0) + 1,
      );
      if (assigned.length > 0) {
        kept.push({
          workerId: worker.id,
          reason: `${plural(assigned.length, 'instance')} assigned`,
        });
        continue;
      }
      const since = idleSince(worker, instances);
      const idleMinutes = minutesBetween(since, now);
      if (idleMinutes < grace) {
        const roomOn = busyWorkerWithRoom(
          worker,
          workers,
          instances,
          busyWorkers,
          filters,
        );
        if (roomOn === undefined) {
          kept.push({
            workerId: worker.id,
            reason: `idle for ${Math.floor(idleMinutes)} min, grace period ${grace} min`,
          });
          continue;
        }
        idle.push({
          worker,
          idleSince: since,
          headroomElsewhere: `busy worker ${roomOn} has room for another lab like its last`,
        });
        continue;
      }
      idle.push({ worker, idleSince: since });
    } else if (worker.state === 'draining') {
      const base = { workerId: worker.id, templateName: worker.templateName };
      if (assigned.length === 0) {
        actions.push({
          ...base,
          action: 'stop',
          code: 'drain_complete',
          reason: 'Draining complete, no remaining instances',
        });
      } else if (isDrainOverdue(worker, now)) {
        actions.push({
          ...base,
          action: 'force_stop',
          code: 'drain_timeout',
          reason: `drain timeout: ${worker.drainTimeoutHours} h since ${worker.drainStartedAt}, ${plural(assigned.length, 'instance')} remaining`,
          instanceIds: assigned,
        });
      } else {
        kept.push({
          workerId: worker.id,
          reason: `draining, ${plural(assigned.length, 'instance')} remaining (timeout at ${drainDeadline(worker)})`,
        });
      }
    }
  }

  // Booking-aware: an idle worker that a pending instance will need before a restart of it could
  // be ready is kept (stopping and restarting costs its start-up; keeping it costs the wait).
  const wanted = neededIdleWorkers(
    workers,
    idle.map((c) => c.worker.id),
    pending,
    {
      filters,
      strategy: options.strategy,
      defaultAllowance: options.instantiationAllowanceMinutes,
    },
    now,
  );
  for (let i = idle.length - 1; i >= 0; i--) {
    const reason = wanted.get(idle[i].worker.id);
    if (reason === undefined) continue;
    kept.push({ workerId: idle[i].worker.id, reason });
    idle.splice(i, 1);
  }

  // Longest idle first, so the warm workers kept are the most recently used.
  idle.sort(
    (a, b) =>
      compareTimestamps(a.idleSince, b.idleSince) ||
      compareTimestamps(a.worker.createdAt, b.worker.createdAt) ||
      compareIds(a.worker.id, b.worker.id),
  );
  const drainedByTemplate = new Map<string, number>();
  for (const { worker, idleSince: since, headroomElsewhere } of idle) {
    const template = worker.templateName;
    const drained = drainedByTemplate.get(template) ?? 0;
    const warm = warmByTemplate.get(template) ?? 0;
    if (warm - drained <= minWarm(template)) {
      kept.push({
        workerId: worker.id,
        reason: `kept warm (minWarmWorkers ${minWarm(template)} for ${template})`,
      });
      continue;
    }
    drainedByTemplate.set(template, drained + 1);
    actions.push({
      action: 'drain',
      code: 'scale_down_idle',
      workerId: worker.id,
      templateName: template,
      reason: `No running or scheduled instances (idle for ${Math.floor(minutesBetween(since, now))} min${headroomElsewhere ? `, within the grace period: ${headroomElsewhere}` : ''})`,
    });
  }

  actions.sort((a, b) => compareIds(a.workerId, b.workerId));
  kept.sort((a, b) => compareIds(a.workerId, b.workerId));
  return { actions, kept };
}
