import { performance } from 'node:perf_hooks';
import {
  Conflict,
  enteredStateAt,
  instantiationAllowanceOf,
  setPendingReason,
} from '@lcm/domain';
import {
  bookingWindow,
  bookingWindowReason,
  CachedPlacer,
  orderPendingQueue,
  type PlacementDecision,
  type PlacementOptions,
} from '@lcm/scheduling';
import {
  Fence,
  FencedWriter,
  InstanceStore,
  KeyLayout,
  KeyValue,
  NotLeaderError,
  PrefixInformer,
  StateStore,
  StoreObserver,
  WorkerStore,
} from '@lcm/state-store';
import { CommitPipeline } from '../commit/commit-pipeline';
import { PlacementPlans } from '../placement/placement-plans';
import { ConcurrencyLimit } from '../commit/concurrency-limit';
import { SCHEDULER_SOURCE, schedulerWriter } from '../commit/scheduler-writer';
import { TemplatePoller } from '../templates/template-poller';
import {
  SchedulerCache,
  PendingInstance,
  CacheListener,
} from '../cache/scheduler-cache';
import {
  PlannedPlacement,
  WorkerBatch,
  WorkerSlot,
} from '../cache/worker-slot';
import { SchedulerLogger } from './scheduler-logger';
import { SchedulerMetrics } from './scheduler-metrics';
import { SchedulerSettings } from './scheduler-settings';
import { PassRunner } from './pass-runner';
import { SchedulingQueue } from './scheduling-queue';

export interface TermDependencies {
  store: StateStore;
  keys: KeyLayout;
  instances: InstanceStore;
  workers: WorkerStore;
  templates: TemplatePoller;
  settings: SchedulerSettings;
  metrics: SchedulerMetrics;
  logger: SchedulerLogger;
  observer?: StoreObserver;
  clock: () => Date;
}

interface Unplaced {
  entry: PendingInstance;
  decision: Exclude<PlacementDecision, { action: 'assign' }>;
}

/** Decisions between two yields to the event loop (watch events and commit results get in). */
const DECISIONS_PER_SLICE = 64;
const LOG = 'Scheduler';

/**
 * One leadership term: from election to deposition. It owns the cache (fed by two informers), the
 * queue of instances to evaluate, and the commit pipeline; everything it writes carries the fence
 * it was elected with. When the term ends, all of it is dropped at once: nothing leaks into a later term.
 *
 * Work arrives only through changes (the SchedulingQueue): a new PENDING instance is active; an
 * instance that fits nowhere is parked with its explanation and evaluated again only when room
 * may have appeared (a worker changed state, capacity or ports were released, a worker or
 * template appeared) or at the periodic reconcile. Nothing polls. Where an instance goes is the
 * CachedPlacer's decision (@lcm/scheduling); the term wires the cache, the queue, the placer, the
 * placement plans (with their consolidation window) and the commit pipeline together.
 */
export class SchedulingTerm implements CacheListener {
  readonly cache: SchedulerCache;
  private active = true;
  private ready = false;
  private readonly informers: PrefixInformer[];
  private readonly pipeline: CommitPipeline;
  /** Every write of the term: fenced with its election, events sourced `lcm/scheduler`. */
  private readonly writer: FencedWriter;
  private readonly placer: CachedPlacer;
  private readonly sideWrites: ConcurrencyLimit;
  /** Which pending instances to evaluate next (active), and which wait (parked, booked, written). */
  private readonly queue: SchedulingQueue;
  /** The placements planned or in flight, and the worker each is on. */
  private readonly plans: PlacementPlans;
  /** Failed batches whose records are being re-read. */
  private refreshing = 0;
  private reconcileTimer?: NodeJS.Timeout;
  private readonly runner: PassRunner;

  constructor(
    private readonly deps: TermDependencies,
    readonly fence: Fence,
    private readonly onFenceLost: (reason: string) => void,
  ) {
    const { store, keys, instances, workers, settings, observer } = deps;
    this.cache = new SchedulerCache(keys, instances, workers, this);
    this.placer = new CachedPlacer(settings.strategy);
    this.queue = new SchedulingQueue({
      clock: deps.clock,
      activated: () => this.kick(),
    });
    this.plans = new PlacementPlans({
      cache: this.cache,
      strategy: settings.strategy,
      clock: deps.clock,
      metrics: deps.metrics,
      logger: deps.logger,
      send: (slot) => this.pipeline.offer(slot),
      settled: (id, planned) =>
        planned ? this.queue.placed(id) : this.queue.park(id),
    });
    this.runner = new PassRunner({
      pass: () => this.runPass(),
      canRun: () => this.ready && this.active,
      hasWork: () => this.hasWork(),
      isIdle: () => this.isIdle(),
    });
    this.writer = schedulerWriter({ instances, workers }, fence);
    this.pipeline = new CommitPipeline(this.writer, settings, {
      committed: (slot, batch, revision) =>
        this.batchCommitted(slot, batch, revision),
      failed: (slot, batch, error) => this.batchFailed(slot, batch, error),
    });
    this.sideWrites = new ConcurrencyLimit(settings.maxCommitsInFlight);
    this.informers = [
      new PrefixInformer(
        store,
        keys.workersPrefix,
        {
          onSnapshot: (kvs, revision) =>
            this.cache.workerSnapshot(kvs, revision),
          onBatch: (batch) =>
            this.eachEvent(batch.events, (kv, deleted) =>
              this.cache.workerKey(kv, deleted),
            ),
        },
        { name: 'scheduler-workers', observer },
      ),
      new PrefixInformer(
        store,
        keys.instancesPrefix,
        {
          onSnapshot: (kvs) => this.cache.instanceSnapshot(kvs),
          onBatch: (batch) =>
            this.eachEvent(batch.events, (kv, deleted) =>
              this.cache.instanceKey(kv, deleted),
            ),
        },
        { name: 'scheduler-instances', observer },
      ),
    ];
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Listed, watching, templates read: the first pass can run. */
  get isReady(): boolean {
    return this.ready;
  }

  get parkedCount(): number {
    return this.queue.parkedCount;
  }

  /** Lists and watches workers, then instances, reads the templates, and runs the first pass. */
  async start(): Promise<void> {
    await this.deps.templates.refresh();
    for (const informer of this.informers) {
      if (!this.active) return;
      await informer.start();
    }
    if (!this.active) return;
    this.deps.templates.startRefreshing(() => this.roomChanged());
    this.reconcileTimer = setInterval(
      () => this.reconcile(),
      this.deps.settings.reconcileIntervalSeconds * 1000,
    );
    this.reconcileTimer.unref();
    this.ready = true;
    this.kick();
    this.wakeIdle();
  }

  /** Ends the term: stops acting at once (in-flight writes fail on the fence or are ignored). */
  async close(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.pipeline.close();
    this.sideWrites.clear();
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.queue.close();
    this.deps.templates.stopRefreshing();
    this.wakeIdle();
    await Promise.all(
      this.informers.map((i) => i.stop().catch(() => undefined)),
    );
  }

  /** Resolves when nothing is left to evaluate or commit (tests, benches). */
  whenIdle(): Promise<void> {
    return this.runner.whenIdle();
  }

  /** The safety net: every pending instance is evaluated again, parked or not. */
  reconcile(): void {
    if (!this.active) return;
    this.queue.activateAll(
      this.cache.pendingIds().filter((id) => !this.plans.has(id)),
    );
    this.kick();
  }

  // ---- CacheListener ----

  instancePending(id: string): void {
    this.queue.activate(id);
    this.kick();
  }

  instanceGone(id: string): void {
    this.queue.forget(id);
  }

  roomChanged(): void {
    if (this.queue.roomChanged()) this.kick();
  }

  plansDropped(placements: PlannedPlacement[]): void {
    for (const { instance } of placements) {
      this.plans.release(instance.value.id);
      this.queue.activate(instance.value.id);
    }
    this.kick();
  }

  // ---- the loop ----

  private kick(): void {
    this.runner.kick();
  }

  /** Rounds until nothing is left to evaluate and the pipeline is idle. */
  private async runPass(): Promise<void> {
    const started = performance.now();
    try {
      do {
        while (this.active && this.hasWork()) await this.runRound();
        await this.pipeline.progress();
        await this.sideWrites.drained();
      } while (this.active && (this.hasWork() || !this.pipeline.isIdle()));
    } catch (error) {
      this.deps.logger.error(
        `scheduling pass failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        LOG,
      );
    }
    if (this.active)
      this.deps.metrics.loopDuration.observe(
        (performance.now() - started) / 1000,
      );
  }

  private hasWork(): boolean {
    return this.queue.hasWork();
  }

  /**
   * Evaluates the queued instances in queue order, then settles the ones that fit nowhere. What
   * is placed is decided one at a time, in queue order; where it goes is consolidated per window
   * of placements (PlacementPlans), always before the plans are sent or the loop yields.
   */
  private async runRound(): Promise<void> {
    const records = this.queue
      .takeRound((id) => this.isUnplanned(id))
      .flatMap((id) => this.cache.pending(id)?.record.value ?? []);
    const round = orderPendingQueue(records);
    this.plans.startRound();

    const unplaced: Unplaced[] = [];
    const options = this.placementOptions();
    const nowMs = this.deps.clock().getTime();
    let sinceYield = 0;
    for (const { id } of round) {
      if (++sinceYield >= DECISIONS_PER_SLICE) {
        sinceYield = 0;
        this.plans.flush();
        await this.yieldToEvents();
        if (!this.active) return;
      }
      // The record may have changed (or gone) while we yielded.
      const entry = this.cache.pending(id);
      if (!entry || this.plans.has(id)) continue;
      if (this.beforeWindow(entry, nowMs)) continue;
      const decision = this.placer.decide(
        entry.record.value,
        this.cache.workerViews(),
        options,
      );
      if (decision.action === 'assign')
        this.plans.admit(entry, decision.workerId);
      else unplaced.push({ entry, decision });
    }
    this.plans.flush();
    if (unplaced.length > 0) this.settleUnplaced(unplaced);
  }

  private placementOptions(): Omit<PlacementOptions, 'strategy'> {
    return {
      scaleUp: {
        templates: this.deps.templates.current(),
        region: this.deps.settings.region,
      },
    };
  }

  /**
   * A booked instance is placed only once its booking window is open (`bookingWindow`: the slot
   * minus its template's start-up and the instantiation allowance, or minus the allowance alone
   * while a running worker has room for it, since no worker must be started): until then it holds
   * no capacity and no ports, says when it will be placed, and is evaluated again when the window
   * opens. (Should that room be taken meanwhile, the controller's scale-up, due at the earlier
   * instant, starts a worker for it.)
   */
  private beforeWindow(entry: PendingInstance, nowMs: number): boolean {
    const instance = entry.record.value;
    const { settings } = this.deps;
    const templates = this.deps.templates.current();
    const options = {
      region: settings.region,
      defaultLeadTimeMinutes: settings.leadTimeMinutes,
      instantiationAllowanceMinutes: settings.instantiationAllowanceMinutes,
    };
    // Only a booking whose allowance-only window is still ahead looks at the workers (an ASAP one,
    // or one about to start, never pays for it).
    const allowanceMs =
      instantiationAllowanceOf(
        instance,
        settings.instantiationAllowanceMinutes,
      ) * 60_000;
    const window = bookingWindow(
      instance,
      templates,
      Date.parse(instance.timeslotStart) - allowanceMs > nowMs
        ? { ...options, workers: this.cache.workerViews() }
        : options,
    );
    const opensAt = Date.parse(window.opensAt);
    if (!this.queue.waitsForWindow(instance.id, opensAt, nowMs)) return false;
    this.deps.metrics.decisions.inc({ action: 'wait' });
    this.writeReason(entry, bookingWindowReason(instance, window));
    return true;
  }

  /** Pending in the cache, and not planned (or in flight) already. */
  private isUnplanned(id: string): boolean {
    return this.cache.pending(id) !== undefined && !this.plans.has(id);
  }

  /** Evaluates the booked instances whose window is open now (the timer, or a caller with its own clock). */
  windowsOpened(): void {
    this.queue.windowsOpened();
  }

  /** Lets watch events and commit results in; holds back while too much is planned and not committed. */
  private async yieldToEvents(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const { maxBatchSize, maxCommitsInFlight } = this.deps.settings;
    while (
      this.active &&
      this.plans.size > maxBatchSize * maxCommitsInFlight * 2
    ) {
      if (this.pipeline.inFlightCount > 0) await this.pipeline.progress();
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private batchCommitted(
    slot: WorkerSlot,
    batch: WorkerBatch,
    revision: number,
  ): void {
    const now = Date.now();
    for (const { instance } of batch.placements) {
      const id = instance.value.id;
      this.plans.release(id);
      this.queue.placed(id);
      this.cache.instanceScheduled(id, revision);
      this.deps.metrics.latency.observe(
        Math.max(0, now - Date.parse(enteredStateAt(instance.value))) / 1000,
      );
    }
    this.deps.metrics.decisions.inc(
      { action: 'assign' },
      batch.placements.length,
    );
    this.deps.metrics.commits.inc({ kind: 'placement' });
    this.cache.batchCommitted(slot, revision);
  }

  private batchFailed(
    slot: WorkerSlot,
    batch: WorkerBatch,
    error: unknown,
  ): void {
    if (error instanceof NotLeaderError) {
      this.fenceLost(error);
      return;
    }
    const redo = this.cache.batchFailed(slot);
    for (const { instance } of redo) this.plans.release(instance.value.id);
    if (error instanceof Conflict) this.deps.metrics.conflicts.inc();
    else
      this.deps.logger.warn(
        `placement batch on ${slot.id} (${batch.placements.length}) failed, re-reading: ${error instanceof Error ? error.message : String(error)}`,
        LOG,
      );
    void this.refreshAfterFailure(slot, redo);
  }

  /** Catches the cache up on the worker and the instances of a failed batch, then evaluates them again. */
  private async refreshAfterFailure(
    slot: WorkerSlot,
    redo: PlannedPlacement[],
  ): Promise<void> {
    const { store, keys } = this.deps;
    const ids = redo.map((p) => p.instance.value.id);
    this.refreshing++;
    for (let delay = 50; this.active; delay = Math.min(delay * 2, 5000)) {
      try {
        const [worker, ...instances] = await Promise.all([
          store.list(`${keys.workersPrefix}${slot.id}/`),
          ...ids.map((id) => store.get(keys.instance(id))),
        ]);
        if (!this.active) return;
        this.cache.workerRefreshed(slot.id, worker.kvs, worker.revision);
        instances.forEach((kv, i) =>
          this.cache.instanceKey(
            kv ?? {
              key: keys.instance(ids[i]),
              value: '',
              createRevision: 0,
              modRevision: worker.revision,
              version: 0,
              lease: '0',
            },
            kv === undefined,
          ),
        );
        break;
      } catch (error) {
        this.deps.logger.warn(
          `re-reading worker ${slot.id} failed: ${error instanceof Error ? error.message : String(error)}`,
          LOG,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    this.refreshing--;
    if (!this.active) return;
    for (const id of ids) if (this.cache.pending(id)) this.queue.activate(id);
    if (slot.queued.length > 0) this.pipeline.offer(slot);
    this.kick();
    this.wakeIdle();
  }

  /**
   * For the instances that fit nowhere: park them and store each one's explanation when its text
   * changed. Starting workers for them is the controller's decision (@lcm/scheduling decideScaleUp).
   */
  private settleUnplaced(unplaced: Unplaced[]): void {
    for (const { entry, decision } of unplaced) {
      this.queue.park(entry.record.value.id);
      this.deps.metrics.decisions.inc({ action: decision.action });
      this.writeReason(entry, decision.explanation.text);
    }
  }

  private writeReason(entry: PendingInstance, text: string): void {
    const record = entry.record;
    const change = setPendingReason(record.value, text, {
      now: this.deps.clock().toISOString(),
      triggeredBy: SCHEDULER_SOURCE,
    });
    if (change.instance === record.value) return;
    const id = record.value.id;
    this.queue.writeStarted(id);
    this.sideWrites.run(async () => {
      try {
        const { revision } = await this.writer.instance(change, {
          instance: record.revision,
        });
        if (!this.active) return;
        this.cache.instanceRewritten({ value: change.instance, revision });
        this.deps.metrics.commits.inc({ kind: 'pending_reason' });
      } catch (error) {
        if (error instanceof NotLeaderError) this.fenceLost(error);
        // A Conflict means the record moved on: the watch brings the new one, and a later
        // evaluation writes the reason again if it still differs.
        else if (!(error instanceof Conflict))
          this.deps.logger.warn(
            `pending reason of ${id} not written: ${error instanceof Error ? error.message : String(error)}`,
            LOG,
          );
      } finally {
        this.queue.writeSettled(id);
      }
    });
  }

  private fenceLost(error: NotLeaderError): void {
    if (!this.active) return;
    this.deps.logger.warn(`stepping down: ${error.message}`, LOG);
    this.onFenceLost(error.message);
  }

  private eachEvent(
    events: { type: 'put' | 'delete'; kv: KeyValue }[],
    apply: (kv: KeyValue, deleted: boolean) => void,
  ): void {
    if (!this.active) return;
    for (const event of events) apply(event.kv, event.type === 'delete');
  }

  private isIdle(): boolean {
    return (
      !this.active ||
      (this.ready &&
        !this.runner.isRunning &&
        !this.hasWork() &&
        this.pipeline.isIdle() &&
        this.sideWrites.size === 0 &&
        this.plans.size === 0 &&
        this.refreshing === 0 &&
        this.queue.isSettled())
    );
  }

  private wakeIdle(): void {
    this.runner.wake();
  }
}
