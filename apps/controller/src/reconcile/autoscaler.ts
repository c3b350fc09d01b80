import { randomUUID } from 'node:crypto';
import type { WorkerTemplate } from '@lcm/doc-store';
import {
  addMinutes,
  createWorker,
  drainDeadline,
  isDomainError,
  isTerminalInstanceState,
  restartWorker,
  startDraining,
  stopDrainedWorker,
  STARTING_WORKER_STATES,
  type Worker,
  type WorkerChange,
} from '@lcm/domain';
import { decideScaleDown, decideScaleUp, type ScaleUpRequest } from '@lcm/scheduling';
import type { WorkerView } from '@lcm/state-store';
import type { InstanceReconciler } from './instance-reconciler';
import type { PassContext } from './pass-context';
import type { WorkerReconciler } from './worker-reconciler';

/** A scale-up asked for from outside the pass (the scheduler's `lcm.scaling.up.requested`). */
export interface ScaleUpSignal {
  template: string;
  reason: string;
  source: string;
}

/** "Look ahead" far enough to cover any instance: a signalled template serves whatever waits for it. */
const UNLIMITED_LOOK_AHEAD_MINUTES = 10 * 365 * 24 * 60;

/**
 * SPEC B-5.4 with the pure decisions of @lcm/scheduling: scale up for PENDING instances due within
 * the lead time that fit on no running worker (and for the scheduler's signals), restarting a
 * stopped worker of the template before creating one, at most one scale-up in flight per template
 * and within the limits; keep MIN_WARM_WORKERS; drain idle workers after the grace period and stop
 * drained ones, force-terminating what is left after a drain timeout. Every decision is a domain
 * worker transition, so its `lcm.scaling.*` event carries the reason.
 */
export class Autoscaler {
  constructor(
    private readonly workers: WorkerReconciler,
    private readonly instances: InstanceReconciler,
  ) {}

  async scaleDown(pass: PassContext): Promise<void> {
    const { settings } = pass;
    const plan = decideScaleDown(pass.view.schedulingViews(), pass.view.instanceList(), { gracePeriodMinutes: settings.scaleDownGracePeriodMinutes, minWarmWorkers: settings.minWarmWorkers }, pass.now);
    for (const action of plan.actions) {
      const view = pass.view.workers.get(action.workerId);
      if (!view) continue;
      const worker = view.worker.value;
      pass.logger.log(`scale-down: ${action.action} worker ${worker.id} (${worker.templateName}): ${action.reason}`);
      if (action.action === 'drain') {
        if (await this.apply(pass, view, () => startDraining(worker, { runningInstancesCount: 0 }, pass.context(action.code)))) {
          pass.deps.metrics?.scalingActions.inc({ action: 'drain', template: worker.templateName });
        }
        continue;
      }
      if (action.action === 'force_stop') {
        let remaining = 0;
        for (const id of action.instanceIds) if (!(await this.instances.forceTerminate(pass, id, 'drain_timeout'))) remaining++;
        if (remaining > 0) continue; // the rest next pass
      }
      const fresh = pass.view.workers.get(action.workerId);
      if (fresh && (await this.apply(pass, fresh, () => stopDrainedWorker(fresh.worker.value, pass.context(action.code))))) {
        pass.deps.metrics?.scalingActions.inc({ action: 'stop', template: worker.templateName });
        await this.workers.reconcile(pass, worker.id);
      }
    }
    this.noteScaleDownDue(pass);
  }

  async scaleUp(pass: PassContext, signals: readonly ScaleUpSignal[] = []): Promise<void> {
    const { settings } = pass;
    const templates = await pass.deps.templates.list();
    const pending = pass.view.instanceList().filter((i) => i.state === 'pending');
    const options = { region: settings.region, leadTimeMinutes: settings.leadTimeMinutes, maxWorkersPerTemplate: settings.maxWorkersPerTemplate, maxWorkers: settings.maxWorkers };
    const requests: ScaleUpRequest[] = [];
    if (pending.length > 0) {
      const lookAhead = decideScaleUp(pending, pass.view.schedulingViews(), templates, options, pass.now);
      requests.push(...lookAhead.requests);
      for (const skip of lookAhead.skipped) pass.logger.debug?.(`scale-up skipped for ${skip.instanceIds.length} instances (${skip.template ?? 'no template'}): ${skip.reason}`);
      // Due later: wake up when the earliest one enters the look-ahead window.
      for (const instance of pending) pass.dueAt(addMinutes(instance.timeslotStart, -settings.leadTimeMinutes));
    }
    if (signals.length > 0) {
      const far = decideScaleUp(pending, pass.view.schedulingViews(), templates, { ...options, leadTimeMinutes: UNLIMITED_LOOK_AHEAD_MINUTES }, pass.now);
      for (const signal of signals) {
        if (requests.some((r) => r.template.name === signal.template)) continue;
        const request = far.requests.find((r) => r.template.name === signal.template);
        if (request) {
          requests.push({ ...request, reason: `${request.reason} (scale-up requested by ${signal.source}: ${signal.reason})` });
        } else {
          const skipped = far.skipped.find((s) => s.template === signal.template);
          pass.logger.log(`scale-up requested by ${signal.source} for ${signal.template}: nothing to do (${skipped?.reason ?? 'no pending instance needs it'})`);
        }
      }
    }
    for (const request of requests) {
      const template = templates.find((t) => t.name === request.template.name);
      if (!template) continue;
      await this.addWorker(pass, template, request.reason, request.restartWorkerId);
    }
    await this.keepWarm(pass, templates);
  }

  /** MIN_WARM_WORKERS running (or starting) per template of the region. */
  private async keepWarm(pass: PassContext, templates: readonly WorkerTemplate[]): Promise<void> {
    const { settings } = pass;
    if (settings.minWarmWorkers <= 0) return;
    for (const template of templates.filter((t) => t.region === settings.region)) {
      const workers = [...pass.view.workers.values()].map((v) => v.worker.value);
      const live = workers.filter((w) => w.state !== 'failed' && w.state !== 'terminated');
      const ofTemplate = live.filter((w) => w.templateName === template.name);
      const warm = ofTemplate.filter((w) => w.state === 'running' || STARTING_WORKER_STATES.includes(w.state));
      if (warm.length >= settings.minWarmWorkers || ofTemplate.some((w) => STARTING_WORKER_STATES.includes(w.state))) continue;
      const stopped = ofTemplate.filter((w) => w.state === 'stopped').sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
      if (!stopped && (ofTemplate.length >= settings.maxWorkersPerTemplate || live.length >= settings.maxWorkers)) continue;
      await this.addWorker(pass, template, `min_warm_workers: ${warm.length} of ${settings.minWarmWorkers} warm`, stopped?.id);
    }
  }

  /** Restarts the stopped worker, or creates one from the template, then starts provisioning at once. */
  private async addWorker(pass: PassContext, template: WorkerTemplate, reason: string, restartWorkerId?: string): Promise<void> {
    let id: string;
    if (restartWorkerId !== undefined) {
      const view = pass.view.workers.get(restartWorkerId);
      if (!view || !(await this.apply(pass, view, () => restartWorker(view.worker.value, pass.context(reason))))) return;
      id = restartWorkerId;
    } else {
      id = pass.deps.newWorkerId?.() ?? `w-${randomUUID()}`;
      const change = createWorker(
        {
          id,
          name: `${template.name}-${id.replace(/^w-/, '').slice(0, 8)}`,
          templateName: template.name,
          licenseType: template.licenseType,
          region: template.region,
          portRange: template.portRange,
          declaredCapacity: { ...template.capacity, maxNodes: template.maxNodes },
          drainTimeoutHours: template.drainTimeoutHours,
          startupTimeMinutes: template.startupTimeMinutes,
        },
        pass.context(reason),
      );
      if (!(await pass.writer.worker(undefined, change))) return;
    }
    pass.logger.log(`scale-up: ${restartWorkerId ? 'restarting' : 'created'} worker ${id} (${template.name}): ${reason}`);
    pass.deps.metrics?.scalingActions.inc({ action: 'scale_up', template: template.name });
    await this.workers.reconcile(pass, id);
  }

  /** When a running worker's grace period or a draining worker's timeout ends. */
  private noteScaleDownDue(pass: PassContext): void {
    for (const view of pass.view.workers.values()) {
      const worker = view.worker.value;
      if (worker.state === 'draining') {
        const deadline = drainDeadline(worker);
        if (deadline) pass.dueAt(Date.parse(deadline) + 1);
      } else if (worker.state === 'running' && pass.view.liveInstancesOn(worker.id).length === 0) {
        pass.dueAt(Date.parse(addMinutes(idleSince(pass, worker), pass.settings.scaleDownGracePeriodMinutes)) + 1);
      }
    }
  }

  private async apply(pass: PassContext, view: WorkerView, change: () => WorkerChange): Promise<boolean> {
    let built: WorkerChange;
    try {
      built = change();
    } catch (error) {
      if (!isDomainError(error)) throw error;
      pass.errors++;
      pass.logger.warn(`worker ${view.worker.value.id}: ${error.message}`);
      return false;
    }
    return (await pass.writer.worker(view, built)) !== undefined;
  }
}

/** As decideScaleDown counts it: last entry into running, or the last instance termination. */
function idleSince(pass: PassContext, worker: Worker): string {
  let since = worker.createdAt;
  for (const entry of worker.stateHistory) if (entry.to === 'running') since = entry.at;
  for (const instance of pass.view.instanceList()) {
    if (instance.workerId === worker.id && isTerminalInstanceState(instance.state) && instance.terminatedAt && instance.terminatedAt > since) since = instance.terminatedAt;
  }
  return since;
}
