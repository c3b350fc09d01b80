import {
  INSTANCE_STATES,
  isTerminalInstanceState,
  STARTING_WORKER_STATES,
  toEpochMs,
  type LabletInstance,
  type Worker,
} from '@lcm/domain';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The controller's metrics (docs/operations.md#metrics), on the app's own registry (`service="controller"` by default label). */
export class ControllerMetrics {
  readonly instancesActive: Gauge<'state'>;
  readonly workersActive: Gauge<'state' | 'template'>;
  readonly reconcileDuration: Histogram<never>;
  readonly instantiationDuration: Histogram<'definition_id'>;
  readonly scalingActions: Counter<'action' | 'template'>;
  readonly leader: Gauge<never>;
  readonly conflicts: Counter<'kind'>;
  readonly errors: Counter<'phase'>;
  readonly startDelay: Histogram<never>;
  readonly startedLate: Counter<never>;
  readonly timeslotsMissed: Counter<never>;
  readonly workersStarting: Gauge<'template'>;

  constructor(readonly registry: Registry = new Registry()) {
    this.instancesActive = metric(
      registry,
      'lcm_lablet_instances_active',
      () =>
        new Gauge({
          name: 'lcm_lablet_instances_active',
          help: 'Live (not terminated) lablet instances by state',
          labelNames: ['state'],
          registers: [registry],
        }),
    );
    this.workersActive = metric(
      registry,
      'lcm_workers_active',
      () =>
        new Gauge({
          name: 'lcm_workers_active',
          help: 'Live (not terminated) workers by state and template',
          labelNames: ['state', 'template'],
          registers: [registry],
        }),
    );
    this.reconcileDuration = metric(
      registry,
      'lcm_controller_reconcile_duration_seconds',
      () =>
        new Histogram({
          name: 'lcm_controller_reconcile_duration_seconds',
          help: 'Duration of one full reconcile pass',
          buckets: [
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
          ],
          registers: [registry],
        }),
    );
    this.instantiationDuration = metric(
      registry,
      'lcm_instantiation_duration_seconds',
      () =>
        new Histogram({
          name: 'lcm_instantiation_duration_seconds',
          help: 'From instantiating to running (lab import and start)',
          labelNames: ['definition_id'],
          buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 180, 300, 600, 900],
          registers: [registry],
        }),
    );
    this.scalingActions = metric(
      registry,
      'lcm_scaling_actions_total',
      () =>
        new Counter({
          name: 'lcm_scaling_actions_total',
          help: 'Scaling actions taken (scale_up, drain, stop, terminate)',
          labelNames: ['action', 'template'],
          registers: [registry],
        }),
    );
    this.leader = metric(
      registry,
      'lcm_leader',
      () =>
        new Gauge({
          name: 'lcm_leader',
          help: '1 while this replica is the leader',
          registers: [registry],
        }),
    );
    this.conflicts = metric(
      registry,
      'lcm_controller_commit_conflicts_total',
      () =>
        new Counter({
          name: 'lcm_controller_commit_conflicts_total',
          help: 'Commits refused because a record changed since it was read (retried next pass)',
          labelNames: ['kind'],
          registers: [registry],
        }),
    );
    this.errors = metric(
      registry,
      'lcm_controller_reconcile_errors_total',
      () =>
        new Counter({
          name: 'lcm_controller_reconcile_errors_total',
          help: 'Records whose reconcile failed with an unexpected error',
          labelNames: ['phase'],
          registers: [registry],
        }),
    );
    this.startDelay = metric(
      registry,
      'lcm_instance_start_delay_seconds',
      () =>
        new Histogram({
          name: 'lcm_instance_start_delay_seconds',
          help: 'First running minus the later of timeslotStart and creation',
          buckets: [
            0, 1, 5, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200,
          ],
          registers: [registry],
        }),
    );
    this.startedLate = metric(
      registry,
      'lcm_instances_started_late_total',
      () =>
        new Counter({
          name: 'lcm_instances_started_late_total',
          help: 'Booked instances (timeslotStart after creation) first running after their timeslotStart',
          registers: [registry],
        }),
    );
    this.timeslotsMissed = metric(
      registry,
      'lcm_instances_timeslot_missed_total',
      () =>
        new Counter({
          name: 'lcm_instances_timeslot_missed_total',
          help: 'PENDING instances terminated past timeslotStart + TIMESLOT_GRACE_MINUTES (timeslot_missed)',
          registers: [registry],
        }),
    );
    this.workersStarting = metric(
      registry,
      'lcm_workers_starting',
      () =>
        new Gauge({
          name: 'lcm_workers_starting',
          help: 'Workers requested and still starting (pending, provisioning) per template',
          labelNames: ['template'],
          registers: [registry],
        }),
    );
    this.leader.set(0);
  }

  /**
   * An instance's first start: delay = running minus the later of its slot start and its creation
   * (an ASAP instance is measured from its creation); a booking that runs after its slot is late.
   */
  observeStart(
    instance: Pick<LabletInstance, 'timeslotStart' | 'createdAt'>,
    runningAt: string,
  ): void {
    const slot = toEpochMs(instance.timeslotStart);
    const due = Math.max(slot, toEpochMs(instance.createdAt));
    const at = toEpochMs(runningAt);
    this.startDelay.observe(Math.max(0, at - due) / 1000);
    if (slot > toEpochMs(instance.createdAt) && at > slot)
      this.startedLate.inc();
  }

  /** Sets the state gauges from what the last pass saw. */
  observeState(
    instances: readonly LabletInstance[],
    workers: readonly Worker[],
  ): void {
    const byState = new Map<string, number>();
    for (const state of INSTANCE_STATES)
      if (!isTerminalInstanceState(state)) byState.set(state, 0);
    for (const instance of instances)
      if (byState.has(instance.state))
        byState.set(instance.state, (byState.get(instance.state) ?? 0) + 1);
    for (const [state, count] of byState)
      this.instancesActive.set({ state }, count);
    this.workersActive.reset();
    const byKey = new Map<
      string,
      { state: string; template: string; count: number }
    >();
    for (const worker of workers) {
      if (worker.state === 'terminated') continue;
      const key = `${worker.state}\u0000${worker.templateName}`;
      const entry = byKey.get(key) ?? {
        state: worker.state,
        template: worker.templateName,
        count: 0,
      };
      entry.count++;
      byKey.set(key, entry);
    }
    for (const { state, template, count } of byKey.values())
      this.workersActive.set({ state, template }, count);
    this.workersStarting.reset();
    const starting = new Map<string, number>();
    for (const worker of workers)
      if (STARTING_WORKER_STATES.includes(worker.state))
        starting.set(
          worker.templateName,
          (starting.get(worker.templateName) ?? 0) + 1,
        );
    for (const [template, count] of starting)
      this.workersStarting.set({ template }, count);
  }

  /** A standby reports nothing about the cluster (the leader does). */
  clearState(): void {
    this.instancesActive.reset();
    this.workersActive.reset();
    this.workersStarting.reset();
  }
}

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
