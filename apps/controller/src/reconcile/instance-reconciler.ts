import {
  abandonCollection,
  addMinutes,
  archiveInstance,
  buildGradingPod,
  enteredStateAt,
  failInstantiation,
  forceTerminateInstance,
  instantiationDueAt,
  instantiationTimeoutOf,
  isDomainError,
  isInstantiationDue,
  isInstantiationStuck,
  isTimeslotOver,
  markInstanceRunning,
  markInstanceStopped,
  MAX_INSTANTIATION_RETRIES,
  minutesBetween,
  restartInstance,
  retryInstantiation,
  startCollection,
  startInstantiation,
  stopInstance,
  terminateArchivedInstance,
  terminatePendingInstance,
  expireMissedTimeslot,
  isTimeslotMissed,
  timeslotMissedAt,
  terminateScheduledInstance,
  type GradingPod,
  type InstanceAction,
  type InstanceChange,
  type LabletInstance,
  type Worker,
} from '@lcm/domain';
import {
  isProviderError,
  isRetryableProviderError,
  type LabState,
} from '@lcm/providers';
import type { Versioned } from '@lcm/state-store';
import { LabPreparationFailed } from '../documents/lab-yaml-source';
import { describeError } from './controller-logger';
import type { PassContext } from './pass-context';
import { CONTROLLER_SOURCE } from './transition-writer';

/** Steps one instance may take in one pass (e.g. stopping -> stopped -> archived -> terminated). */
const MAX_STEPS_PER_PASS = 8;

/** A worker whose lab engine can be asked to do something. */
function reachable(
  worker: Worker | undefined,
): worker is Worker & { hostname: string } {
  return (
    worker !== undefined &&
    (worker.state === 'running' || worker.state === 'draining') &&
    worker.hostname !== null
  );
}

function requested(
  instance: LabletInstance,
  ...actions: InstanceAction[]
): InstanceAction | undefined {
  const action = instance.requestedAction?.action;
  return action !== undefined && actions.includes(action) ? action : undefined;
}

/** Who asked, and why, for a transition that carries out a request. */
function requestContext(
  pass: PassContext,
  instance: LabletInstance,
  action: InstanceAction,
) {
  const request = instance.requestedAction;
  return pass.context(
    request?.reason ?? `${action}_requested`,
    request?.requestedBy ?? CONTROLLER_SOURCE,
  );
}

/** When a delete requested during grading stops waiting for the result. */
function deleteDeadline(
  instance: LabletInstance,
  graceSeconds: number,
): string {
  const requestedAt = Date.parse(
    instance.requestedAction?.requestedAt ?? enteredStateAt(instance),
  );
  return new Date(requestedAt + graceSeconds * 1000).toISOString();
}

/** The outcome of a data-plane call that did not succeed. */
type Failure = { kind: 'retry' } | { kind: 'fail'; reason: string };

function classify(error: unknown): Failure {
  if (error instanceof LabPreparationFailed)
    return { kind: 'fail', reason: error.reason };
  if (isProviderError(error))
    return isRetryableProviderError(error)
      ? { kind: 'retry' }
      : {
          kind: 'fail',
          reason: `${error.code.toLowerCase()}: ${error.message}`,
        };
  return { kind: 'retry' };
}

/**
 * The instance lifecycle (docs/controller.md#instance-reconciliation), level-triggered: from an instance's current record and its
 * worker's, take the next step (a data-plane call and/or one domain transition), and keep going
 * while steps complete at once. Nothing is remembered between passes except what is in the store
 * and on the data plane, so a pass can be re-run, or run by a new leader, at any point: a lab is
 * found again by its idempotency key (the instance id) and never imported twice.
 */
export class InstanceReconciler {
  async reconcile(pass: PassContext, id: string): Promise<void> {
    for (let step = 0; step < MAX_STEPS_PER_PASS; step++) {
      const current = pass.view.instances.get(id);
      if (!current) return;
      if (!(await this.step(pass, current))) return;
    }
  }

  /**
   * Forces an instance to terminated outside the normal edges (a drain timeout): its lab removed
   * first, its resources released and its owner notified. True once it is terminated.
   */
  async forceTerminate(
    pass: PassContext,
    id: string,
    reason: string,
  ): Promise<boolean> {
    const current = pass.view.instances.get(id);
    if (!current || current.value.state === 'terminated') return true;
    const instance = current.value;
    const worker =
      instance.workerId === null
        ? undefined
        : pass.view.workers.get(instance.workerId)?.worker.value;
    if (worker && !(await this.removeLab(pass, instance, worker))) return false;
    return this.apply(pass, current, () =>
      forceTerminateInstance(
        instance,
        pass.view.resourcesOf(instance.workerId),
        pass.context(reason),
      ),
    );
  }

  /** One step; true when a transition was committed (look at the instance again). */
  private async step(
    pass: PassContext,
    current: Versioned<LabletInstance>,
  ): Promise<boolean> {
    const instance = current.value;
    const { settings } = pass;
    if (instance.state === 'terminated') return this.retain(pass, current);
    if (instance.state === 'pending') {
      // Placement is the scheduler's; a delete of an unplaced instance needs no data plane.
      if (requested(instance, 'delete'))
        return this.apply(pass, current, () =>
          terminatePendingInstance(
            instance,
            requestContext(pass, instance, 'delete'),
          ),
        );
      // A slot that started more than the grace period ago without room is missed: it ends.
      const grace = settings.timeslotGraceMinutes;
      if (isTimeslotMissed(instance, pass.now, grace)) {
        pass.deps.metrics?.timeslotsMissed.inc();
        return this.apply(pass, current, () =>
          expireMissedTimeslot(instance, grace, pass.context()),
        );
      }
      pass.dueAt(timeslotMissedAt(instance, grace));
      return false;
    }

    let worker =
      instance.workerId === null
        ? undefined
        : pass.view.workers.get(instance.workerId)?.worker.value;
    if (worker === undefined && instance.workerId !== null) {
      // The informers follow their prefixes apart: before ending an instance for a missing
      // worker, make sure the worker informer is not just behind (one store-revision read).
      await pass.view.synced();
      const fresh = pass.view.instances.get(instance.id);
      if (!fresh || fresh.revision !== current.revision) return true; // look again
      worker = pass.view.workers.get(instance.workerId)?.worker.value;
    }
    if (worker === undefined || worker.state === 'terminated') {
      // docs/controller.md#orphans: the worker is gone, and the lab with it. Forced, owner notified.
      const reason =
        worker === undefined
          ? 'worker_missing'
          : `worker_terminated${worker.stateReason ? ` (${worker.stateReason})` : ''}`;
      return this.apply(pass, current, () =>
        forceTerminateInstance(
          instance,
          pass.view.resourcesOf(instance.workerId),
          pass.context(reason),
        ),
      );
    }

    switch (instance.state) {
      case 'scheduled':
        return this.scheduled(pass, current, worker);
      case 'instantiating':
        return this.instantiating(pass, current, worker);
      case 'running': {
        const action = requested(instance, 'stop', 'delete', 'collect');
        if (action === 'collect')
          return this.apply(pass, current, () =>
            startCollection(
              instance,
              { collectionReason: 'manual' },
              requestContext(pass, instance, action),
            ),
          );
        if (action)
          return this.apply(pass, current, () =>
            stopInstance(instance, requestContext(pass, instance, action)),
          );
        if (isTimeslotOver(instance, pass.now)) {
          return settings.autoCollectAtTimeslotEnd
            ? this.apply(pass, current, () =>
                startCollection(
                  instance,
                  { collectionReason: 'timeslot_end' },
                  pass.context(undefined, 'system'),
                ),
              )
            : this.apply(pass, current, () =>
                stopInstance(
                  instance,
                  pass.context('timeslot_expired', 'system'),
                ),
              );
        }
        pass.dueAt(instance.timeslotEnd);
        return false;
      }
      case 'collecting': {
        const action = requested(instance, 'stop', 'delete');
        if (action)
          return this.apply(pass, current, () =>
            abandonCollection(instance, requestContext(pass, instance, action)),
          );
        const deadline = addMinutes(
          enteredStateAt(instance),
          settings.collectionTimeoutMinutes,
        );
        if (Date.parse(deadline) <= pass.nowMs)
          return this.apply(pass, current, () =>
            abandonCollection(instance, pass.context('collection_timeout')),
          );
        pass.dueAt(deadline);
        return false;
      }
      case 'grading': {
        // No grading -> stopping edge without a score: a grading that never reports is given up, and
        // a deleted one waits for its result only DELETE_GRACE_SECONDS.
        const timeout = addMinutes(
          enteredStateAt(instance),
          settings.collectionTimeoutMinutes,
        );
        const deleteBy = requested(instance, 'delete')
          ? deleteDeadline(instance, settings.deleteGraceSeconds)
          : undefined;
        const deleting =
          deleteBy !== undefined && Date.parse(deleteBy) < Date.parse(timeout);
        const deadline = deleting ? deleteBy : timeout;
        if (Date.parse(deadline) > pass.nowMs) {
          pass.dueAt(deadline);
          return false;
        }
        if (!(await this.removeLab(pass, instance, worker))) return false;
        const context = deleting
          ? pass.context(
              'delete_grace_expired',
              instance.requestedAction?.requestedBy ?? CONTROLLER_SOURCE,
            )
          : pass.context('grading_timeout');
        return this.apply(pass, current, () =>
          forceTerminateInstance(
            instance,
            pass.view.resourcesOf(instance.workerId),
            context,
          ),
        );
      }
      case 'stopping':
        return this.stopping(pass, current, worker);
      case 'stopped':
        return this.stopped(pass, current, worker);
      case 'archived':
        return this.apply(pass, current, () =>
          terminateArchivedInstance(
            instance,
            requireResources(pass, instance),
            pass.context(),
          ),
        );
    }
  }

  private async scheduled(
    pass: PassContext,
    current: Versioned<LabletInstance>,
    worker: Worker,
  ): Promise<boolean> {
    const instance = current.value;
    if (requested(instance, 'delete')) {
      return this.apply(pass, current, () =>
        terminateScheduledInstance(
          instance,
          requireResources(pass, instance),
          requestContext(pass, instance, 'delete'),
        ),
      );
    }
    const lead = pass.settings.leadTimeMinutes;
    if (!isInstantiationDue(instance, pass.now, lead)) {
      pass.dueAt(instantiationDueAt(instance, lead));
      return false;
    }
    if (!reachable(worker)) return false; // the scheduler re-places instances whose worker cannot take them
    // docs/controller.md#instance-reconciliation: the YAML is fetched and rewritten before the instance moves to instantiating
    // (the definition is cached, so the import right after reads it from memory).
    try {
      await pass.deps.labs.rewritten(instance);
    } catch (error) {
      if (!(error instanceof LabPreparationFailed)) {
        pass.logger.warn(
          `instance ${instance.id}: lab YAML not available yet: ${describeError(error)}`,
        );
        pass.wait();
        return false;
      }
      // It will never work: enter instantiating and fail there, so the owner is notified.
    }
    const started = await this.commit(pass, current, () =>
      startInstantiation(instance, pass.context()),
    );
    return started !== undefined;
  }

  private async instantiating(
    pass: PassContext,
    current: Versioned<LabletInstance>,
    worker: Worker,
  ): Promise<boolean> {
    const instance = current.value;
    if (requested(instance, 'delete')) {
      if (!(await this.removeLab(pass, instance, worker))) return false;
      return this.apply(pass, current, () =>
        failInstantiation(
          instance,
          requireResources(pass, instance),
          requestContext(pass, instance, 'delete'),
        ),
      );
    }
    const timeout = pass.settings.instantiationTimeoutMinutes;
    if (isInstantiationStuck(instance, pass.now, timeout))
      return this.instantiationFailed(
        pass,
        current,
        worker,
        'instantiation_timeout',
      );
    pass.dueAt(
      addMinutes(
        enteredStateAt(instance),
        instantiationTimeoutOf(instance, timeout),
      ),
    );
    if (!reachable(worker)) {
      if (instance.retryCount > 0)
        return this.instantiationFailed(
          pass,
          current,
          worker,
          'worker_stopped_during_retry',
        );
      pass.wait();
      return false;
    }
    const host = worker.hostname;
    try {
      const yaml = await pass.deps.labs.rewritten(instance);
      const lab = await this.importOnce(pass, instance, host, yaml);
      let state: LabState | undefined = lab.state;
      if (state === 'DEFINED' || state === 'STOPPED' || state === 'WIPED') {
        await pass.deps.runtime.startLab(host, lab.labId);
        state = await pass.deps.runtime.labState(host, lab.labId);
      }
      if (state === undefined) {
        pass.forgetLabs(host); // deleted under us: import again next time
        pass.wait();
        return false;
      }
      if (state !== 'STARTED') {
        pass.wait();
        return false;
      }
      const pod = this.gradingPod(pass, instance, yaml, host);
      const running = await this.commit(pass, current, () =>
        markInstanceRunning(
          instance,
          { cmlLabId: lab.labId, workerHostname: host, pod },
          pass.context(),
        ),
      );
      if (running) this.observeInstantiation(pass, running.value);
      return running !== undefined;
    } catch (error) {
      const failure = classify(error);
      if (failure.kind === 'retry') {
        pass.logger.debug?.(
          `instance ${instance.id}: instantiation waits: ${describeError(error)}`,
        );
        pass.wait();
        return false;
      }
      pass.logger.warn(
        `instance ${instance.id}: instantiation failed: ${failure.reason}`,
      );
      return this.instantiationFailed(pass, current, worker, failure.reason);
    }
  }

  /** The lab for the instance: the one already imported under its key, or a new import. */
  private async importOnce(
    pass: PassContext,
    instance: LabletInstance,
    host: string,
    yaml: string,
  ): Promise<{ labId: string; state: LabState }> {
    const existing = await pass.labOf(host, instance.id);
    if (existing) return { labId: existing.labId, state: existing.state };
    const imported = await pass.deps.runtime.importLab(host, {
      idempotencyKey: instance.id,
      title: `${instance.definitionName} ${instance.definitionVersion} (${instance.id})`,
      yaml,
    });
    pass.forgetLabs(host);
    const state = await pass.deps.runtime.labState(host, imported.labId);
    return { labId: imported.labId, state: state ?? 'DEFINED' };
  }

  /**
   * docs/decisions/0014-drain-first-scale-down.md: a failure on a draining worker is retried on the same worker (at most 3 times, the lab
   * removed first so the retry imports afresh); anywhere else, or once retries are used up, the
   * instance is terminated, its resources released and its owner notified.
   */
  private async instantiationFailed(
    pass: PassContext,
    current: Versioned<LabletInstance>,
    worker: Worker,
    reason: string,
  ): Promise<boolean> {
    const instance = current.value;
    if (!(await this.removeLab(pass, instance, worker))) return false;
    if (
      worker.state === 'draining' &&
      instance.retryCount < MAX_INSTANTIATION_RETRIES
    ) {
      return this.apply(pass, current, () =>
        retryInstantiation(instance, pass.context(reason)),
      );
    }
    const final =
      worker.state === 'draining'
        ? 'max_retries_exceeded'
        : instance.retryCount > 0
          ? 'worker_stopped_during_retry'
          : reason;
    return this.apply(pass, current, () =>
      failInstantiation(
        instance,
        requireResources(pass, instance),
        pass.context(final),
      ),
    );
  }

  private async stopping(
    pass: PassContext,
    current: Versioned<LabletInstance>,
    worker: Worker,
  ): Promise<boolean> {
    const instance = current.value;
    if (instance.cmlLabId !== null && reachable(worker)) {
      try {
        await pass.deps.runtime.stopLab(worker.hostname, instance.cmlLabId);
      } catch (error) {
        if (!(isProviderError(error) && error.code === 'LAB_NOT_FOUND'))
          return this.callFailed(pass, instance, 'stop lab', error);
      }
    } else if (worker.state === 'running' || worker.state === 'draining') {
      if (instance.cmlLabId !== null) {
        pass.wait(); // the engine has no host yet
        return false;
      }
    }
    // A worker that is stopping or stopped has stopped its labs with it.
    return this.apply(pass, current, () =>
      markInstanceStopped(instance, pass.context()),
    );
  }

  private async stopped(
    pass: PassContext,
    current: Versioned<LabletInstance>,
    worker: Worker,
  ): Promise<boolean> {
    const instance = current.value;
    const over = isTimeslotOver(instance, pass.now);
    // A graded lab is finished: its result is stored on the record (docs/controller.md#instance-reconciliation "Stop": stopped after
    // grading, then archived), so it does not hold its worker's capacity until the timeslot ends.
    const graded = instance.gradingScore !== null;
    if (requested(instance, 'start') && !over && !graded)
      return this.restart(pass, current, worker);
    if (requested(instance, 'delete') || over || graded) {
      // docs/controller.md#instance-reconciliation / docs/domain.md#instance-state-machine: results stored, the lab removed from the engine, then archived.
      if (!(await this.removeLab(pass, instance, worker))) return false;
      const context = requested(instance, 'delete')
        ? requestContext(pass, instance, 'delete')
        : pass.context(over ? 'timeslot_over' : 'graded');
      return this.apply(pass, current, () =>
        archiveInstance(instance, context),
      );
    }
    // A lab stopped by its user is kept (they may start it again) until the timeslot ends.
    pass.dueAt(instance.timeslotEnd);
    return false;
  }

  private async restart(
    pass: PassContext,
    current: Versioned<LabletInstance>,
    worker: Worker,
  ): Promise<boolean> {
    const instance = current.value;
    if (!reachable(worker) || instance.cmlLabId === null) {
      pass.wait();
      return false;
    }
    const host = worker.hostname;
    try {
      let state = await pass.deps.runtime.labState(host, instance.cmlLabId);
      if (state === undefined) {
        pass.logger.warn(
          `instance ${instance.id}: lab ${instance.cmlLabId} is gone from ${host}; it cannot be started again`,
        );
        return false;
      }
      if (state !== 'STARTED' && state !== 'STARTING') {
        await pass.deps.runtime.startLab(host, instance.cmlLabId);
        state = await pass.deps.runtime.labState(host, instance.cmlLabId);
      }
      if (state !== 'STARTED') {
        pass.wait();
        return false;
      }
      const yaml = await pass.deps.labs.rewritten(instance);
      const pod = this.gradingPod(pass, instance, yaml, host);
      return this.apply(pass, current, () =>
        restartInstance(
          instance,
          { workerHostname: host, pod },
          requestContext(pass, instance, 'start'),
        ),
      );
    } catch (error) {
      return this.callFailed(pass, instance, 'restart lab', error);
    }
  }

  /**
   * Removes the instance's lab from its worker (best effort where the engine is gone for good).
   * False while the engine cannot be reached but will be again (try later).
   */
  private async removeLab(
    pass: PassContext,
    instance: LabletInstance,
    worker: Worker,
  ): Promise<boolean> {
    if (!reachable(worker)) {
      if (worker.state === 'running' || worker.state === 'draining') {
        pass.wait();
        return false;
      }
      return true; // stopping, stopped, failed: nothing to ask the engine
    }
    try {
      const labId =
        instance.cmlLabId ??
        (await pass.labOf(worker.hostname, instance.id))?.labId;
      if (labId !== undefined) {
        await pass.deps.runtime.deleteLab(worker.hostname, labId);
        pass.forgetLabs(worker.hostname);
      }
      return true;
    } catch (error) {
      if (isProviderError(error) && !error.retryable) {
        pass.logger.warn(
          `instance ${instance.id}: lab could not be removed (${describeError(error)}); going on`,
        );
        return true;
      }
      pass.wait();
      return false;
    }
  }

  private callFailed(
    pass: PassContext,
    instance: LabletInstance,
    what: string,
    error: unknown,
  ): false {
    if (isRetryableProviderError(error) || !isProviderError(error)) {
      pass.wait();
      pass.logger.debug?.(
        `instance ${instance.id}: ${what} waits: ${describeError(error)}`,
      );
    } else {
      pass.logger.warn(
        `instance ${instance.id}: ${what} failed: ${describeError(error)}`,
      );
      pass.failed();
    }
    return false;
  }

  private gradingPod(
    pass: PassContext,
    instance: LabletInstance,
    yaml: string,
    host: string,
  ): GradingPod | null {
    try {
      return buildGradingPod(instance, yaml, host);
    } catch (error) {
      pass.logger.warn(
        `instance ${instance.id}: no grading Pod (${describeError(error)})`,
      );
      return null;
    }
  }

  private observeInstantiation(
    pass: PassContext,
    instance: LabletInstance,
  ): void {
    const began = [...instance.stateHistory]
      .reverse()
      .find((h) => h.from === 'scheduled' && h.to === 'instantiating');
    if (began)
      pass.deps.metrics?.instantiationDuration.observe(
        { definition_id: instance.definitionId },
        Math.max(0, minutesBetween(began.at, pass.now) * 60),
      );
    // Start on time: the first start only (a restart by its user is not a slot start).
    if (instance.stateHistory.filter((h) => h.to === 'running').length === 1)
      pass.deps.metrics?.observeStart(instance, pass.now);
  }

  /** Terminated records stay for the retention period (for readers), then their keys go. */
  private async retain(
    pass: PassContext,
    current: Versioned<LabletInstance>,
  ): Promise<boolean> {
    const since = current.value.terminatedAt ?? current.value.updatedAt;
    const removeAt = addMinutes(
      since,
      pass.settings.terminatedRetentionMinutes,
    );
    if (Date.parse(removeAt) > pass.nowMs) {
      pass.dueAt(removeAt);
      return false;
    }
    await pass.writer.removeInstance(current);
    return false;
  }

  private async apply(
    pass: PassContext,
    current: Versioned<LabletInstance>,
    change: () => InstanceChange,
  ): Promise<boolean> {
    return (await this.commit(pass, current, change)) !== undefined;
  }

  /** Builds the change (a refused transition means our view is stale: log and leave it) and commits it. */
  private async commit(
    pass: PassContext,
    current: Versioned<LabletInstance>,
    change: () => InstanceChange,
  ): Promise<Versioned<LabletInstance> | undefined> {
    let built: InstanceChange;
    try {
      built = change();
    } catch (error) {
      if (!isDomainError(error)) throw error;
      pass.failed();
      pass.logger.warn(`instance ${current.value.id}: ${error.message}`);
      return undefined;
    }
    return pass.writer.instance(current, built);
  }
}

/** The worker's resource records; an instance holding resources always has a worker with them. */
function requireResources(pass: PassContext, instance: LabletInstance) {
  const resources = pass.view.resourcesOf(instance.workerId);
  if (!resources)
    throw new Error(
      `instance ${instance.id}: worker ${instance.workerId} has no resource records`,
    );
  return resources;
}
