import { systemClock, type Clock } from '@lcm/domain';
import {
  LeaderElection,
  NotLeaderError,
  sameTerm,
  type Fence,
  type KeyLayout,
  type StateStore,
} from '@lcm/state-store';
import type { ControllerSettings } from '../config';
import type { ControllerMetrics } from '../metrics/controller-metrics';
import {
  describeError,
  silentLogger,
  type ControllerLogger,
} from '../reconcile/controller-logger';
import type { ClusterChange, ClusterView } from '../reconcile/cluster-view';
import {
  workKey,
  type ControllerReconciler,
  type PassReport,
  type WorkOutcome,
} from '../reconcile/controller-reconciler';
import { WorkQueue } from './work-queue';

export interface ControllerRuntimeOptions {
  store: StateStore;
  keys: KeyLayout;
  reconciler: ControllerReconciler;
  /** The reconciler's picture (`deps.view`): started and stopped with each leadership. */
  view: ClusterView;
  settings: ControllerSettings;
  metrics?: ControllerMetrics;
  logger?: ControllerLogger;
  /** Used to turn "due at" times into timer delays (default: system time). */
  clock?: Clock;
}

export interface ControllerStatus {
  replicaId: string;
  enabled: boolean;
  leader: boolean;
  leaderSince: string | null;
  passes: number;
  lastPass: PassReport | null;
}

/**
 * The controller's run loop, as a client-go controller: all replicas campaign for
 * `keys.leader('controller')`; the leader (and only it) runs the informers of the ClusterView and a
 * work queue keyed by object. A watched change (or the controller's own commit) queues its record
 * and the records whose reconcile depends on it (an instance's worker, a worker's instances) and the
 * autoscaler; an item under way on the data plane is queued again after the requeue delay, one
 * falling due at its time, one that failed with backoff; a resync queues everything every reconcile
 * interval. A pass takes the ready items, at most CONTROLLER_PASS_MAX_ITEMS of them, oldest first
 * (passes never overlap; the rest, and an item queued during a pass, go in the passes after it). A commit refused by the fence means the pass's term is over: that
 * term (and only that one) steps down, and the replica campaigns again. A pass of an older term
 * that fails after this replica has won a newer term changes nothing.
 */
export class ControllerRuntime {
  private election?: LeaderElection;
  private fence?: Fence;
  private term = 0;
  private queue?: WorkQueue;
  private running?: Promise<void>;
  private rerun = false;
  private triggerQueued = false;
  private adoptNext = false;
  /** The resync timer (everything queued every reconcile interval). */
  private timer?: NodeJS.Timeout;
  /** The view's stop after a term ended (awaited by stop()). */
  private halting?: Promise<void>;
  private stopped = true;
  private leaderSince: string | null = null;
  private passes = 0;
  private lastPass: PassReport | null = null;
  private readonly logger: ControllerLogger;
  private readonly clock: Clock;
  private readonly passListeners = new Set<(report: PassReport) => void>();

  constructor(private readonly options: ControllerRuntimeOptions) {
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    options.view.onChange((change) => this.changed(change));
  }

  /** Starts campaigning (does nothing when the controller is disabled). */
  start(): void {
    const { settings, store, keys } = this.options;
    if (!settings.enabled) {
      this.logger.log(
        'controller disabled (CONTROLLER_ENABLED=false): not campaigning',
      );
      return;
    }
    this.stopped = false;
    this.election ??= new LeaderElection({
      store,
      key: keys.leader('controller'),
      candidateId: settings.replicaId,
      ttlSeconds: settings.leaderLeaseTtlSeconds,
      onElected: (fence) => this.lead(fence),
      onDeposed: (reason, fence) => void this.follow(reason, fence),
      onError: (error) =>
        this.logger.warn(`leader election: ${describeError(error)}`),
    });
    this.election.start();
    this.logger.log(
      `controller ${settings.replicaId} campaigning for ${keys.leader('controller')}`,
    );
  }

  /** Stops acting, resigns leadership (the key is deleted, a standby takes over at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.election?.resign();
    await this.running?.catch(() => undefined);
    await this.follow('stopped');
    await this.halting;
  }

  status(): ControllerStatus {
    return {
      replicaId: this.options.settings.replicaId,
      enabled: this.options.settings.enabled,
      leader: this.fence !== undefined,
      leaderSince: this.leaderSince,
      passes: this.passes,
      lastPass: this.lastPass,
    };
  }

  /** The id of whoever leads, as this replica's election last saw it (from memory: answers during a store outage). */
  knownLeader(): string | undefined {
    return this.election?.knownLeader();
  }

  /** The id of whoever leads now (this replica or another): a store read. */
  currentLeader(): Promise<string | undefined> {
    return this.election?.currentLeader() ?? Promise.resolve(undefined);
  }

  /** Calls `listener` after every pass (tests, diagnostics); returns the unsubscribe. */
  onPass(listener: (report: PassReport) => void): () => void {
    this.passListeners.add(listener);
    return () => this.passListeners.delete(listener);
  }

  /** Items ready in the work queue, and items waiting for a later time (diagnostics, tests). */
  queueStatus(): { ready: number; delayed: number } {
    return {
      ready: this.queue?.length ?? 0,
      delayed: this.queue?.delayedCount ?? 0,
    };
  }

  /** Queues every record and the autoscaler (the resync) and runs a pass. Ignored unless leading. */
  resync(): void {
    const queue = this.queue;
    if (!queue || this.fence === undefined || this.stopped) return;
    const { view } = this.options;
    for (const id of view.workers.keys()) queue.add(workKey.worker(id));
    for (const id of view.instances.keys()) queue.add(workKey.instance(id));
    queue.add(workKey.autoscaler);
  }

  private triggerSoon(): void {
    if (this.triggerQueued) return;
    this.triggerQueued = true;
    queueMicrotask(() => {
      this.triggerQueued = false;
      this.trigger();
    });
  }

  /** Asks for a pass now (or right after the one running) over the ready items. Ignored unless leading. */
  trigger(): void {
    if (this.fence === undefined || this.stopped || !this.queue) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
      // A change that arrived after the loop's last look still gets its pass.
      if (this.rerun) this.trigger();
    });
  }

  private lead(fence: Fence): void {
    this.fence = fence;
    const term = ++this.term;
    this.leaderSince = new Date(this.clock.now()).toISOString();
    this.adoptNext = true;
    this.options.metrics?.leader.set(1);
    this.logger.log(
      `controller ${this.options.settings.replicaId} is the leader (fence revision ${fence.createRevision})`,
    );
    void this.startWatching(term);
  }

  /** Starts the informers (retried until they list), then the term's first pass: everything, with the start-up reconcile. */
  private async startWatching(term: number): Promise<void> {
    const { settings, view } = this.options;
    // A stop of the previous term's view still pending is skipped (the term changed) or runs first (ClusterView serialises them).
    for (let attempt = 1; term === this.term; attempt++) {
      try {
        await view.start();
        break;
      } catch (error) {
        this.logger.error(
          `controller: informers failed to start (attempt ${attempt}): ${describeError(error)}`,
        );
        await new Promise((r) =>
          setTimeout(r, Math.min(settings.requeueDelayMs * attempt, 10_000)),
        );
      }
    }
    if (term !== this.term || this.stopped) return;
    this.queue = new WorkQueue({
      // After the adds made in the same step (a resync, a watch batch): they go in one pass.
      onReady: () => this.triggerSoon(),
      baseDelayMs: settings.requeueDelayMs,
      maxDelayMs: Math.max(
        settings.requeueDelayMs,
        settings.reconcileIntervalSeconds * 1000,
      ),
    });
    this.armResync();
    this.resync();
  }

  private armResync(): void {
    clearTimeout(this.timer);
    if (this.fence === undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.resync();
      this.armResync();
    }, this.options.settings.reconcileIntervalSeconds * 1000);
    this.timer.unref?.();
  }

  /** A watched change or an own commit: its record, the records depending on it, and the autoscaler. */
  private changed(change: ClusterChange): void {
    const queue = this.queue;
    if (!queue || this.fence === undefined) return;
    if (change.relisted) return this.resync();
    const { view } = this.options;
    for (const { id, before, after } of change.instances) {
      queue.add(workKey.instance(id));
      for (const record of [before, after]) {
        const workerId = record?.value.workerId;
        if (workerId) queue.add(workKey.worker(workerId));
      }
    }
    for (const { id } of change.workers) {
      queue.add(workKey.worker(id));
      for (const instance of view.instancesOn(id))
        queue.add(workKey.instance(instance.id));
    }
    queue.add(workKey.autoscaler);
  }

  /**
   * What an item needs next: again after a backoff (failed), the requeue delay (waiting), or its due
   * time when that comes before the next resync. One due later is queued by a resync in time (the
   * resync's pass sets its time again), so the queue holds what falls due within one reconcile
   * interval, not a timer per record (10,000 instances booked for tomorrow).
   */
  private requeue(queue: WorkQueue, key: string, outcome: WorkOutcome): void {
    if (outcome.failed) return queue.addRateLimited(key);
    queue.forget(key);
    const { requeueDelayMs, reconcileIntervalSeconds } = this.options.settings;
    if (outcome.waiting) queue.addAfter(key, requeueDelayMs);
    else if (outcome.nextDueMs !== undefined) {
      const delayMs = Math.max(10, outcome.nextDueMs - this.clock.now() + 5);
      if (delayMs <= reconcileIntervalSeconds * 1000)
        queue.addAfter(key, delayMs);
    }
  }

  /** The term `ended` is over (or, without it, whatever term runs): stop acting for it. */
  private async follow(reason: string, ended?: Fence): Promise<void> {
    // A newer term already runs: the end of an older one changes nothing (no flap, gauge stays 1).
    if (ended && !sameTerm(this.fence, ended)) return;
    const wasLeader = this.fence !== undefined;
    this.fence = undefined;
    this.term++;
    this.leaderSince = null;
    clearTimeout(this.timer);
    // Synchronously, so that a term won right after this one sets the gauge after it, never before.
    this.options.metrics?.leader.set(0);
    this.options.metrics?.clearState();
    this.queue?.shutDown();
    this.queue = undefined;
    // The informers stop once the pass under way ends (it still reads the view); unless a new term began.
    const pass = this.running;
    const term = this.term;
    this.halting = (async () => {
      await pass?.catch(() => undefined);
      if (term === this.term) await this.options.view.stop();
    })();
    if (!wasLeader) return;
    if (this.stopped)
      this.logger.log(
        `controller ${this.options.settings.replicaId} resigned (shutting down)`,
      );
    else
      this.logger.warn(
        `controller ${this.options.settings.replicaId} is no longer the leader: ${reason}`,
      );
  }

  private async loop(): Promise<void> {
    do {
      this.rerun = false;
      const fence = this.fence;
      const queue = this.queue;
      if (fence === undefined || this.stopped || !queue) return;
      // A slice at a time: the rest stays queued, for the passes right after this one.
      const batch = queue.take(this.options.settings.passMaxItems);
      if (batch.length === 0) continue;
      const adopt = this.adoptNext;
      try {
        const report = await this.options.reconciler.runPass(fence, {
          adopt,
          only: batch,
          onOutcome: (key, outcome) => this.requeue(queue, key, outcome),
        });
        this.adoptNext = false;
        this.passes++;
        this.lastPass = report;
        for (const listener of this.passListeners) listener(report);
        if (report.writes > 0 || report.errors > 0) {
          this.logger.debug?.(
            `pass: ${report.items} items, ${report.writes} writes, ${report.conflicts} conflicts, ${report.errors} errors in ${report.durationMs.toFixed(1)} ms`,
          );
        }
      } catch (error) {
        if (error instanceof NotLeaderError) {
          await this.stepDown(error.message, fence);
          return;
        }
        this.logger.error(`reconcile pass failed: ${describeError(error)}`);
        for (const key of batch) queue.addRateLimited(key);
      } finally {
        for (const key of batch) queue.done(key);
      }
    } while (this.rerun || (this.queue?.length ?? 0) > 0);
  }

  /** Ends the term `fence` (if it still runs: the election ignores an older term) and campaigns again. */
  private async stepDown(reason: string, fence: Fence): Promise<void> {
    if (!sameTerm(this.fence, fence)) {
      this.logger.log(
        `controller ${this.options.settings.replicaId}: a pass of an ended term failed (${reason}); the current term is unaffected`,
      );
      return;
    }
    this.logger.warn(
      `controller ${this.options.settings.replicaId}: ${reason}; stepping down (term of fence revision ${fence.createRevision})`,
    );
    await this.election?.stepDown(fence, reason);
    // The election reports the end through onDeposed; make sure the runtime follows even if it had not.
    await this.follow(reason, fence);
  }
}
