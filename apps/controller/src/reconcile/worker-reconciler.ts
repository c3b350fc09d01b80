import {
  cancelDrain,
  failWorker,
  isDomainError,
  isProvisioningOverdue,
  markWorkerRunning,
  markWorkerStopped,
  markWorkerTerminatedByCloud,
  provisioningDeadline,
  restartWorker,
  startDraining,
  startProvisioning,
  stopWorker,
  terminateFailedWorker,
  terminateStoppedWorker,
  addMinutes,
  licenseRefusal,
  recordReportedLicense,
  ACTIVE_INSTANCE_STATES,
  type LicenseReport,
  type Worker,
  type WorkerAction,
  type WorkerChange,
} from '@lcm/domain';
import {
  canConnect,
  LabEngineUnavailable,
  isProviderError,
  isRetryableProviderError,
  workerStateFromCloud,
  type CloudInstanceStatus,
  type ProvisionRequest,
} from '@lcm/providers';
import type { WorkerView } from '@lcm/state-store';
import { describeError } from './controller-logger';
import type { PassContext } from './pass-context';
import { CONTROLLER_SOURCE } from './transition-writer';

const MAX_STEPS_PER_PASS = 6;

function requested(
  worker: Worker,
  ...actions: WorkerAction[]
): WorkerAction | undefined {
  const action = worker.requestedAction?.action;
  return action !== undefined && actions.includes(action) ? action : undefined;
}

function requestContext(
  pass: PassContext,
  worker: Worker,
  action: WorkerAction,
  reason = `${action}_requested`,
) {
  const request = worker.requestedAction;
  return pass.context(
    request?.reason ?? reason,
    request?.requestedBy ?? CONTROLLER_SOURCE,
  );
}

/**
 * The worker lifecycle (docs/controller.md#worker-lifecycle), level-triggered like the instance reconciler: provisioning
 * through the WorkerProvider (idempotency key = worker id, so a repeated or interrupted provision
 * never makes a second VM), readiness (VM running and lab engine AVAILABLE), status sync with the
 * cloud (a VM that is terminated or gone terminates the worker; its instances are then forced by
 * the instance reconciler), stopping, and the requests an admin made through the api. Drain
 * completion and drain timeouts are scale-down decisions (see Autoscaler).
 */
export class WorkerReconciler {
  /** When each settled worker was last described (sampling only: losing it costs one extra call). */
  private readonly lastSync = new Map<string, number>();
  /** When each live worker's licence was last read (sampling only, like lastSync). */
  private readonly lastLicenseRead = new Map<string, number>();

  async reconcile(pass: PassContext, id: string): Promise<void> {
    for (let step = 0; step < MAX_STEPS_PER_PASS; step++) {
      const current = pass.view.workers.get(id);
      if (!current) return;
      if (!(await this.step(pass, current))) return;
    }
  }

  private async step(pass: PassContext, current: WorkerView): Promise<boolean> {
    const worker = current.worker.value;
    switch (worker.state) {
      case 'pending':
      case 'provisioning':
        return this.starting(pass, current);
      case 'running':
      case 'draining':
        return this.live(pass, current);
      case 'stopping':
        return this.stopping(pass, current);
      case 'stopped':
        return this.stopped(pass, current);
      case 'failed': {
        if (!(await this.terminateVm(pass, worker))) return false;
        return this.apply(pass, current, () =>
          terminateFailedWorker(
            worker,
            requested(worker, 'terminate')
              ? requestContext(pass, worker, 'terminate')
              : pass.context(worker.stateReason ?? 'provisioning_failed'),
          ),
        );
      }
      case 'terminated':
        return this.retain(pass, current);
    }
  }

  /** pending -> provisioning -> running, within 2 x startupTimeMinutes (docs/domain.md#worker-state-machine). */
  private async starting(
    pass: PassContext,
    current: WorkerView,
  ): Promise<boolean> {
    const worker = current.worker.value;
    if (requested(worker, 'terminate')) {
      if (!(await this.terminateVm(pass, worker))) return false;
      return this.apply(pass, current, () =>
        failWorker(worker, requestContext(pass, worker, 'terminate')),
      );
    }
    if (isProvisioningOverdue(worker, pass.now)) {
      pass.logger.warn(
        `worker ${worker.id}: not ready within ${2 * worker.startupTimeMinutes} min; failing it`,
      );
      if (!(await this.terminateVm(pass, worker))) return false;
      return this.apply(pass, current, () =>
        failWorker(worker, pass.context('provisioning_timeout')),
      );
    }
    pass.dueAt(provisioningDeadline(worker));
    return worker.state === 'pending'
      ? this.provision(pass, current)
      : this.awaitReady(pass, current);
  }

  private async provision(
    pass: PassContext,
    current: WorkerView,
  ): Promise<boolean> {
    const worker = current.worker.value;
    const { provider } = pass.deps;
    try {
      let cloudId: string;
      let amiName: string | null = worker.amiName;
      if (worker.providerInstanceId !== null) {
        // A restart of a stopped worker: the same VM is started again.
        await provider.start(worker.providerInstanceId);
        cloudId = worker.providerInstanceId;
      } else {
        const template = await pass.deps.templates.byName(worker.templateName);
        if (!template)
          return this.apply(pass, current, () =>
            failWorker(
              worker,
              pass.context(`template_not_found: ${worker.templateName}`),
            ),
          );
        const request: ProvisionRequest = {
          idempotencyKey: worker.id,
          templateName: worker.templateName,
          instanceType: template.instanceType,
          amiPattern: template.amiPattern,
          ...(template.amiName ? { amiName: template.amiName } : {}),
          ...(template.ec2 ? { ec2: template.ec2 } : {}),
          license: {
            licenseType: template.licenseType,
            maxNodes: template.maxNodes,
          },
          region: worker.region,
          tags: { ...template.tags },
        };
        const vm = await provider.provision(request);
        cloudId = vm.id;
        amiName = vm.amiName;
      }
      const provisioning = await this.commit(pass, current, () =>
        startProvisioning(
          worker,
          { providerInstanceId: cloudId, amiName },
          pass.context(),
        ),
      );
      return provisioning !== undefined;
    } catch (error) {
      if (
        isProviderError(error) &&
        (error.code === 'INSTANCE_NOT_FOUND' ||
          (error.code === 'OPERATION_FAILED' &&
            !error.retryable &&
            worker.providerInstanceId !== null))
      ) {
        // The stopped VM we meant to start is gone.
        return this.apply(pass, current, () =>
          markWorkerTerminatedByCloud(worker, pass.context('cloud_not_found')),
        );
      }
      if (isProviderError(error) && !error.retryable) {
        pass.logger.warn(
          `worker ${worker.id}: provisioning refused: ${describeError(error)}`,
        );
        return this.apply(pass, current, () =>
          failWorker(
            worker,
            pass.context(`provision_failed: ${error.message}`),
          ),
        );
      }
      pass.logger.debug?.(
        `worker ${worker.id}: provisioning waits: ${describeError(error)}`,
      );
      pass.wait();
      return false;
    }
  }

  private async awaitReady(
    pass: PassContext,
    current: WorkerView,
  ): Promise<boolean> {
    const worker = current.worker.value;
    const status = await this.describe(pass, worker);
    if (status === 'unknown') return false;
    if (workerStateFromCloud(status) === 'terminated')
      return this.cloudTerminated(pass, current, status);
    if (status?.state === 'running' && status.hostname) {
      const health = await pass.deps.runtime.health(status.hostname);
      if (canConnect(status, health)) {
        const running = await this.commit(pass, current, () =>
          markWorkerRunning(
            worker,
            { hostname: status.hostname ?? '' },
            pass.context(),
          ),
        );
        return running !== undefined;
      }
    }
    pass.wait();
    return false;
  }

  /** running / draining: status sync, then the admin's requests, then the engine's licence. */
  private async live(pass: PassContext, current: WorkerView): Promise<boolean> {
    const worker = current.worker.value;
    const status = await this.sync(pass, worker);
    if (status !== 'unknown' && workerStateFromCloud(status) === 'terminated')
      return this.cloudTerminated(pass, current, status);
    if (status !== 'unknown' && status && status.state !== 'running') {
      pass.logger.warn(
        `worker ${worker.id} is ${worker.state} but its VM ${status.id} is ${status.state}`,
      );
    }
    const action = requested(
      worker,
      'drain',
      'cancel_drain',
      'stop',
      'terminate',
    );
    if (action === 'terminate') {
      // The VM goes first; status sync then records it and the instances are forced as orphans.
      if (status === 'unknown' || status?.state !== 'shutting-down')
        await this.terminateVm(pass, worker);
      pass.wait();
      return false;
    }
    if (
      worker.state === 'running' &&
      (action === 'drain' || action === 'stop')
    ) {
      let live = pass.view.liveInstancesOn(worker.id);
      if (action === 'stop' && live.length === 0) {
        // Empty, or the instance informer behind a placement on it: sync before stopping at once.
        await pass.view.synced();
        live = pass.view.liveInstancesOn(worker.id);
      }
      if (action === 'stop' && live.length === 0)
        return this.apply(pass, current, () =>
          stopWorker(
            worker,
            requestContext(pass, worker, 'stop', 'admin_stop'),
          ),
        );
      const running = live.filter((i) =>
        ACTIVE_INSTANCE_STATES.includes(i.state),
      ).length;
      return this.apply(pass, current, () =>
        startDraining(
          worker,
          { runningInstancesCount: running },
          requestContext(
            pass,
            worker,
            action,
            action === 'stop' ? 'admin_stop' : 'admin_drain',
          ),
        ),
      );
    }
    if (worker.state === 'draining' && action === 'cancel_drain') {
      return this.apply(pass, current, () =>
        cancelDrain(
          worker,
          pass.context(
            'admin_action',
            worker.requestedAction?.requestedBy ?? CONTROLLER_SOURCE,
          ),
        ),
      );
    }
    // Nothing asked of it: its engine's licence, when due.
    return this.syncLicense(pass, current);
  }

  private async stopping(
    pass: PassContext,
    current: WorkerView,
  ): Promise<boolean> {
    const worker = current.worker.value;
    const status = await this.describe(pass, worker);
    if (status === 'unknown') return false;
    const observed = workerStateFromCloud(status);
    if (observed === 'terminated')
      return this.cloudTerminated(pass, current, status);
    if (observed === 'stopped')
      return this.apply(pass, current, () =>
        markWorkerStopped(worker, pass.context()),
      );
    if (
      (observed === 'running' || observed === 'pending') &&
      worker.providerInstanceId
    ) {
      try {
        await pass.deps.provider.stop(worker.providerInstanceId);
      } catch (error) {
        pass.logger.debug?.(
          `worker ${worker.id}: stop waits: ${describeError(error)}`,
        );
      }
    }
    pass.wait();
    return false;
  }

  private async stopped(
    pass: PassContext,
    current: WorkerView,
  ): Promise<boolean> {
    const worker = current.worker.value;
    if (requested(worker, 'terminate')) {
      if (!(await this.terminateVm(pass, worker))) return false;
      return this.apply(pass, current, () =>
        terminateStoppedWorker(
          worker,
          requestContext(pass, worker, 'terminate', 'admin_terminate'),
        ),
      );
    }
    if (requested(worker, 'start')) {
      pass.deps.metrics?.scalingActions.inc({
        action: 'scale_up',
        template: worker.templateName,
      });
      return this.apply(pass, current, () =>
        restartWorker(
          worker,
          requestContext(pass, worker, 'start', 'admin_start'),
        ),
      );
    }
    const status = await this.sync(pass, worker);
    if (status !== 'unknown' && workerStateFromCloud(status) === 'terminated')
      return this.cloudTerminated(pass, current, status);
    return false;
  }

  private cloudTerminated(
    pass: PassContext,
    current: WorkerView,
    status: CloudInstanceStatus | undefined,
  ): Promise<boolean> {
    const worker = current.worker.value;
    this.lastSync.delete(worker.id);
    this.lastLicenseRead.delete(worker.id);
    const reason = requested(worker, 'terminate')
      ? 'terminate_requested'
      : status === undefined
        ? 'cloud_not_found'
        : 'cloud_terminated';
    pass.logger.warn(
      `worker ${worker.id}: the cloud reports its VM ${status === undefined ? 'gone' : 'terminated'}; terminating the worker`,
    );
    return this.apply(pass, current, () =>
      markWorkerTerminatedByCloud(worker, pass.context(reason)),
    );
  }

  /**
   * Status sync of a settled worker, at most every statusSyncSeconds (a pending admin request is
   * acted on at once, so its worker is described too). 'unknown' when not due or not answered.
   */
  private async sync(
    pass: PassContext,
    worker: Worker,
  ): Promise<CloudInstanceStatus | undefined | 'unknown'> {
    const every = pass.settings.statusSyncSeconds * 1000;
    const last = this.lastSync.get(worker.id);
    if (
      worker.requestedAction === null &&
      last !== undefined &&
      pass.nowMs - last < every
    ) {
      pass.dueAt(last + every);
      return 'unknown';
    }
    const status = await this.describe(pass, worker);
    if (status !== 'unknown') this.lastSync.set(worker.id, pass.nowMs);
    return status;
  }

  /**
   * Reads the licence of a live worker's lab engine (docs: controller README, "Licences") at most
   * every licenseSyncSeconds, and at once while none is recorded for its current run, and records
   * it through the fenced writer when it changed: the report on the worker, its node capacity
   * capped at the reported limit. True when it wrote. A runtime that cannot say (no `licensing`)
   * leaves the licence unreported; a read that fails is retried next time, the last report stands.
   */
  private async syncLicense(
    pass: PassContext,
    current: WorkerView,
  ): Promise<boolean> {
    const worker = current.worker.value;
    const { runtime } = pass.deps;
    if (!runtime.licensing || worker.hostname === null) return false;
    const every = pass.settings.licenseSyncSeconds * 1000;
    const last = this.lastLicenseRead.get(worker.id);
    const recorded = worker.reportedLicense;
    const unknown =
      recorded === null ||
      Date.parse(recorded.readAt) < Date.parse(runningSince(worker));
    if (!unknown && last !== undefined && pass.nowMs - last < every) {
      pass.dueAt(last + every);
      return false;
    }
    let report: LicenseReport;
    try {
      const licensing = await runtime.licensing(worker.hostname);
      report = {
        licenseType: licensing.licenseType,
        status: licensing.status,
        nodeLimit: licensing.nodeLimit ?? null,
        nodesInUse: licensing.nodesInUse ?? null,
        detail: licensing.detail ?? null,
      };
    } catch (error) {
      this.lastLicenseRead.set(worker.id, pass.nowMs);
      const message = `worker ${worker.id}: licence not read: ${describeError(error)}`;
      if (error instanceof LabEngineUnavailable) pass.logger.debug?.(message);
      else pass.logger.warn(message);
      return false;
    }
    this.lastLicenseRead.set(worker.id, pass.nowMs);
    pass.dueAt(pass.nowMs + every);
    const template = await pass.deps.templates.byName(worker.templateName);
    const capacity = current.capacity.value;
    let change: WorkerChange;
    try {
      change = recordReportedLicense(
        worker,
        {
          report,
          // A deleted template leaves the node capacity where it is, capped further if need be.
          templateMaxNodes: template?.maxNodes ?? capacity.declared.maxNodes,
          capacity,
        },
        pass.context(),
      );
    } catch (error) {
      if (!isDomainError(error)) throw error;
      pass.errors++;
      pass.logger.warn(
        `worker ${worker.id}: licence report refused: ${error.message}`,
      );
      return false;
    }
    if (change.worker === worker) return false;
    const refusal = licenseRefusal(change.worker);
    if (refusal !== null && refusal !== licenseRefusal(worker))
      pass.logger.warn(
        `worker ${worker.id}: its lab engine reports ${refusal} (${report.detail ?? 'no detail'}); it takes no new instances`,
      );
    else if (refusal === null && licenseRefusal(worker) !== null)
      pass.logger.log(
        `worker ${worker.id}: its lab engine's licence runs labs again`,
      );
    if (change.capacity)
      pass.logger.log(
        `worker ${worker.id}: node capacity ${capacity.declared.maxNodes} -> ${change.capacity.declared.maxNodes} (licence node limit ${report.nodeLimit ?? 'none'})`,
      );
    return (await this.commit(pass, current, () => change)) !== undefined;
  }

  /** The VM's status; undefined when the cloud does not know it, 'unknown' when the cloud did not answer. */
  private async describe(
    pass: PassContext,
    worker: Worker,
  ): Promise<CloudInstanceStatus | undefined | 'unknown'> {
    if (worker.providerInstanceId === null) return 'unknown';
    try {
      return await pass.deps.provider.describe(worker.providerInstanceId);
    } catch (error) {
      pass.logger.debug?.(
        `worker ${worker.id}: describe failed: ${describeError(error)}`,
      );
      pass.wait();
      return 'unknown';
    }
  }

  /** Terminates the worker's VM if it has one; false when the cloud could not be asked now. */
  private async terminateVm(
    pass: PassContext,
    worker: Worker,
  ): Promise<boolean> {
    if (worker.providerInstanceId === null) return true;
    try {
      await pass.deps.provider.terminate(worker.providerInstanceId);
      pass.deps.metrics?.scalingActions.inc({
        action: 'terminate',
        template: worker.templateName,
      });
      return true;
    } catch (error) {
      if (isRetryableProviderError(error) || !isProviderError(error)) {
        pass.wait();
        return false;
      }
      pass.logger.warn(
        `worker ${worker.id}: terminate refused (${describeError(error)}); going on`,
      );
      return true;
    }
  }

  private async retain(
    pass: PassContext,
    current: WorkerView,
  ): Promise<boolean> {
    const worker = current.worker.value;
    const removeAt = addMinutes(
      worker.terminatedAt ?? worker.updatedAt,
      pass.settings.terminatedRetentionMinutes,
    );
    if (
      Date.parse(removeAt) > pass.nowMs ||
      pass.view.liveInstancesOn(worker.id).length > 0
    ) {
      pass.dueAt(removeAt);
      return false;
    }
    await pass.writer.removeWorker(current);
    return false;
  }

  private async apply(
    pass: PassContext,
    current: WorkerView,
    change: () => WorkerChange,
  ): Promise<boolean> {
    return (await this.commit(pass, current, change)) !== undefined;
  }

  private async commit(
    pass: PassContext,
    current: WorkerView,
    change: () => WorkerChange,
  ): Promise<WorkerView | undefined> {
    let built: WorkerChange;
    try {
      built = change();
    } catch (error) {
      if (!isDomainError(error)) throw error;
      pass.failed();
      pass.logger.warn(`worker ${current.worker.value.id}: ${error.message}`);
      return undefined;
    }
    return pass.writer.worker(current, built);
  }
}

/** When the worker last became running: a licence read before then belongs to an earlier run. */
function runningSince(worker: Worker): string {
  for (let i = worker.stateHistory.length - 1; i >= 0; i--)
    if (worker.stateHistory[i].to === 'running')
      return worker.stateHistory[i].at;
  return worker.createdAt;
}
