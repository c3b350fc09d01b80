import { createHash } from 'node:crypto';

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
  workerInputFromTemplate,
  type Worker,
  type WorkerChange,
  type WorkerTemplate,
} from '@lcm/domain';
import { decideScaleDown, decideScaleUp } from '@lcm/scheduling';
import type { WorkerView } from '@lcm/state-store';
import type { InstanceReconciler } from './instance-reconciler';
import type { PassContext } from './pass-context';
import type { WorkerReconciler } from './worker-reconciler';

/**
 * docs/controller.md#autoscaling with the pure decisions of @lcm/scheduling, the only place scale-up is decided: every
 * PENDING instance whose provisioning must begin now (slot start minus the template's start-up and
 * INSTANTIATION_ALLOWANCE_MINUTES) is packed onto running, starting and planned workers, and all
 * the workers that packing needs are asked for in one pass (restarting stopped workers of the
 * template first), within MAX_WORKERS_PER_TEMPLATE, MAX_WORKERS and MAX_SCALE_UP_IN_FLIGHT; keep
 * MIN_WARM_WORKERS; drain idle workers after the grace period and stop drained ones,
 * force-terminating what is left after a drain timeout. Every decision is a domain worker
 * transition, so its `lcm.scaling.*` event carries the reason.
 */
export class Autoscaler {
  constructor(
    private readonly workers: WorkerReconciler,
    private readonly instances: InstanceReconciler,
  ) {}

  async scaleDown(pass: PassContext): Promise<void> {
    const { settings } = pass;
    const decide = () =>
      decideScaleDown(
        pass.view.schedulingViews(),
        pass.view.instanceList(),
        {
          gracePeriodMinutes: settings.scaleDownGracePeriodMinutes,
          minWarmWorkers: settings.minWarmWorkers,
          instantiationAllowanceMinutes: settings.instantiationAllowanceMinutes,
        },
        pass.now,
      );
    let plan = decide();
    // A worker looks idle while a placement on it is in the worker informer and not yet in the
    // instance informer: decide again once both have seen every acknowledged write.
    if (plan.actions.length > 0) {
      await pass.view.synced();
      plan = decide();
    }
    for (const action of plan.actions) {
      const view = pass.view.workers.get(action.workerId);
      if (!view) continue;
      const worker = view.worker.value;
      pass.logger.log(
        `scale-down: ${action.action} worker ${worker.id} (${worker.templateName}): ${action.reason}`,
      );
      if (action.action === 'drain') {
        if (
          await this.apply(pass, view, () =>
            startDraining(
              worker,
              { runningInstancesCount: 0 },
              pass.context(action.code),
            ),
          )
        ) {
          pass.deps.metrics?.scalingActions.inc({
            action: 'drain',
            template: worker.templateName,
          });
        }
        continue;
      }
      if (action.action === 'force_stop') {
        let remaining = 0;
        for (const id of action.instanceIds)
          if (!(await this.instances.forceTerminate(pass, id, 'drain_timeout')))
            remaining++;
        if (remaining > 0) continue; // the rest next pass
      }
      const fresh = pass.view.workers.get(action.workerId);
      if (
        fresh &&
        (await this.apply(pass, fresh, () =>
          stopDrainedWorker(fresh.worker.value, pass.context(action.code)),
        ))
      ) {
        pass.deps.metrics?.scalingActions.inc({
          action: 'stop',
          template: worker.templateName,
        });
        await this.workers.reconcile(pass, worker.id);
      }
    }
    this.noteScaleDownDue(pass);
  }

  async scaleUp(pass: PassContext): Promise<void> {
    const { settings } = pass;
    const templates = await pass.deps.templates.list();
    const decide = () => {
      const pending = pass.view
        .instanceList()
        .filter((i) => i.state === 'pending');
      const views = pass.view.schedulingViews();
      const plan =
        pending.length === 0
          ? undefined
          : decideScaleUp(
              pending,
              views,
              templates,
              {
                region: settings.region,
                instantiationAllowanceMinutes:
                  settings.instantiationAllowanceMinutes,
                maxWorkersPerTemplate: settings.maxWorkersPerTemplate,
                maxWorkers: settings.maxWorkers,
                maxScaleUpInFlight: settings.maxScaleUpInFlight,
              },
              pass.now,
            );
      return { views, plan };
    };
    let { views, plan } = decide();
    // The two informers follow their prefixes apart: a placement (the instance and its worker's
    // capacity, one transaction) can be in the worker informer before the instance informer, and a
    // PENDING instance beside a worker its own placement filled asks for a worker nobody needs.
    // Before asking for capacity, both informers must have seen every acknowledged write (one
    // store-revision read, only when the plan would start something).
    if (plan && plan.requests.length > 0) {
      await pass.view.synced();
      ({ views, plan } = decide());
    }
    if (plan) {
      for (const skip of plan.skipped)
        pass.logger.debug?.(
          `scale-up skipped for ${skip.instanceIds.length} instances (${skip.template ?? 'no template'}): ${skip.reason}`,
        );
      for (const held of plan.deferred ?? [])
        pass.logger.debug?.(
          `scale-up: stopped worker ${held.workerId} held for ${held.instanceIds.length} instances, restarted at ${held.restartAt}`,
        );
      // Not due yet: wake up when the earliest one must ask for capacity.
      if (plan.nextDueAt) pass.dueAt(plan.nextDueAt);
      const added: string[] = [];
      for (const request of plan.requests) {
        const template = templates.find(
          (t) => t.name === request.template.name,
        );
        if (!template) continue;
        const id =
          request.restartWorkerId ??
          pass.deps.newWorkerId?.() ??
          workerIdFor(
            request.requestId,
            views
              .filter((v) => v.worker.templateName === template.name)
              .map((v) => v.worker.id),
          );
        if (
          await this.addWorker(
            pass,
            template,
            request.reason,
            id,
            request.restartWorkerId !== undefined,
          )
        )
          added.push(id);
      }
      // Every worker of the plan is requested before any is provisioned: a fast cloud would
      // otherwise run the first before the last is even asked for.
      for (const id of added) await this.workers.reconcile(pass, id);
    }
    await this.keepWarm(pass, templates);
  }

  /** MIN_WARM_WORKERS running (or starting) per template of the region. */
  private async keepWarm(
    pass: PassContext,
    templates: readonly WorkerTemplate[],
  ): Promise<void> {
    const { settings } = pass;
    if (settings.minWarmWorkers <= 0) return;
    for (const template of templates.filter(
      (t) => t.region === settings.region,
    )) {
      const workers = [...pass.view.workers.values()].map(
        (v) => v.worker.value,
      );
      const live = workers.filter(
        (w) => w.state !== 'failed' && w.state !== 'terminated',
      );
      const ofTemplate = live.filter((w) => w.templateName === template.name);
      const warm = ofTemplate.filter(
        (w) =>
          w.state === 'running' || STARTING_WORKER_STATES.includes(w.state),
      );
      if (
        warm.length >= settings.minWarmWorkers ||
        ofTemplate.some((w) => STARTING_WORKER_STATES.includes(w.state))
      )
        continue;
      const stopped = ofTemplate
        .filter((w) => w.state === 'stopped')
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
      if (
        !stopped &&
        (ofTemplate.length >= settings.maxWorkersPerTemplate ||
          live.length >= settings.maxWorkers)
      )
        continue;
      const reason = `min_warm_workers: ${warm.length} of ${settings.minWarmWorkers} warm`;
      const id =
        stopped?.id ??
        pass.deps.newWorkerId?.() ??
        workerIdFor(
          `${template.name}/warm`,
          workers
            .filter((w) => w.templateName === template.name)
            .map((w) => w.id),
        );
      if (
        await this.addWorker(pass, template, reason, id, stopped !== undefined)
      )
        await this.workers.reconcile(pass, id);
    }
  }

  /** Restarts the stopped worker `id`, or creates worker `id` from the template; true when done (the caller starts provisioning). */
  private async addWorker(
    pass: PassContext,
    template: WorkerTemplate,
    reason: string,
    id: string,
    restart: boolean,
  ): Promise<boolean> {
    if (restart) {
      const view = pass.view.workers.get(id);
      if (
        !view ||
        !(await this.apply(pass, view, () =>
          restartWorker(view.worker.value, pass.context(reason)),
        ))
      )
        return false;
    } else {
      const change = createWorker(
        workerInputFromTemplate(template, {
          id,
          name: `${template.name}-${id.replace(/^w-/, '').slice(0, 8)}`,
        }),
        pass.context(reason),
      );
      // Create-only: a worker of this id already there (another leader's pass) is refused.
      if (!(await pass.writer.worker(undefined, change))) return false;
    }
    pass.logger.log(
      `scale-up: ${restart ? 'restarting' : 'created'} worker ${id} (${template.name}): ${reason}`,
    );
    pass.deps.metrics?.scalingActions.inc({
      action: 'scale_up',
      template: template.name,
    });
    return true;
  }

  /** When a running worker's grace period or a draining worker's timeout ends. */
  private noteScaleDownDue(pass: PassContext): void {
    for (const view of pass.view.workers.values()) {
      const worker = view.worker.value;
      if (worker.state === 'draining') {
        const deadline = drainDeadline(worker);
        if (deadline) pass.dueAt(Date.parse(deadline) + 1);
      } else if (
        worker.state === 'running' &&
        pass.view.liveInstancesOn(worker.id).length === 0
      ) {
        pass.dueAt(
          Date.parse(
            addMinutes(
              idleSince(pass, worker),
              pass.settings.scaleDownGracePeriodMinutes,
            ),
          ) + 1,
        );
      }
    }
  }

  private async apply(
    pass: PassContext,
    view: WorkerView,
    change: () => WorkerChange,
  ): Promise<boolean> {
    let built: WorkerChange;
    try {
      built = change();
    } catch (error) {
      if (!isDomainError(error)) throw error;
      pass.failed();
      pass.logger.warn(`worker ${view.worker.value.id}: ${error.message}`);
      return false;
    }
    return (await pass.writer.worker(view, built)) !== undefined;
  }
}

/** As decideScaleDown counts it: last entry into running, or the last instance termination. */
function idleSince(pass: PassContext, worker: Worker): string {
  let since = worker.createdAt;
  for (const entry of worker.stateHistory)
    if (entry.to === 'running') since = entry.at;
  for (const instance of pass.view.instancesOn(worker.id)) {
    if (
      isTerminalInstanceState(instance.state) &&
      instance.terminatedAt &&
      instance.terminatedAt > since
    )
      since = instance.terminatedAt;
  }
  return since;
}

/**
 * The id of the worker a scale-up request creates: the same request over the same workers of the
 * template gives the same id (a new leader repeating a pass writes nothing: the create is refused),
 * while a worker that appeared or went since (a failed one replaced) gives a new one.
 */
function workerIdFor(
  requestId: string,
  templateWorkerIds: readonly string[],
): string {
  const hash = createHash('sha256').update(requestId);
  for (const id of [...templateWorkerIds].sort()) hash.update(`\n${id}`);
  const hex = hash.digest('hex');
  return `w-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
