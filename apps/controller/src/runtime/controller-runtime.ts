import { systemClock, type Clock } from '@lcm/domain';
import {
  LeaderElection,
  NotLeaderError,
  PrefixInformer,
  sameTerm,
  StoreObserver,
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
import type {
  ControllerReconciler,
  PassReport,
} from '../reconcile/controller-reconciler';

export interface ControllerRuntimeOptions {
  store: StateStore;
  keys: KeyLayout;
  reconciler: ControllerReconciler;
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
 * The controller's run loop. All replicas campaign for `keys.leader('controller')`; the leader
 * (and only it) watches instances and workers and runs reconcile passes: on every watched change, after a requeue delay while something
 * is under way, when a record falls due, and at least every reconcile interval. Passes never
 * overlap; changes during a pass queue exactly one more. A commit refused by the fence means the
 * pass's term is over: that term (and only that one) steps down, and the replica campaigns again. A
 * pass of an older term that fails after this replica has won a newer term changes nothing.
 */
export class ControllerRuntime {
  private election?: LeaderElection;
  private fence?: Fence;
  private term = 0;
  private informers: PrefixInformer[] = [];
  private running?: Promise<void>;
  private rerun = false;
  private adoptNext = false;
  private timer?: NodeJS.Timeout;
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

  /** Asks for a pass now (or right after the one running). Ignored unless leading. */
  trigger(): void {
    if (this.fence === undefined || this.stopped) return;
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
    void this.startWatching(term).catch((error: unknown) => {
      this.logger.error(
        `controller: watches failed to start: ${describeError(error)}`,
      );
      this.trigger();
    });
    this.trigger();
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
    const informers = this.informers.splice(0);
    await Promise.all(informers.map((i) => i.stop().catch(() => undefined)));
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

  private async startWatching(term: number): Promise<void> {
    const { store, keys } = this.options;
    const observer = new StoreObserver(this.logger);
    const onChange = {
      onSnapshot: () => this.trigger(),
      onBatch: () => this.trigger(),
    };
    const informers = [
      new PrefixInformer(store, keys.instancesPrefix, onChange, {
        name: 'controller:instances',
        observer,
      }),
      new PrefixInformer(store, keys.workersPrefix, onChange, {
        name: 'controller:workers',
        observer,
      }),
    ];
    for (const informer of informers) await informer.start();
    if (term !== this.term)
      return void (await Promise.all(informers.map((i) => i.stop())));
    this.informers = informers;
  }

  private async loop(): Promise<void> {
    let report: PassReport | undefined;
    do {
      this.rerun = false;
      clearTimeout(this.timer);
      const fence = this.fence;
      if (fence === undefined || this.stopped) return;
      const adopt = this.adoptNext;
      try {
        report = await this.options.reconciler.runPass(fence, { adopt });
        this.adoptNext = false;
        this.passes++;
        this.lastPass = report;
        for (const listener of this.passListeners) listener(report);
        if (report.writes > 0 || report.errors > 0) {
          this.logger.debug?.(
            `pass: ${report.writes} writes, ${report.conflicts} conflicts, ${report.errors} errors in ${report.durationMs.toFixed(1)} ms`,
          );
        }
      } catch (error) {
        report = undefined;
        if (error instanceof NotLeaderError) {
          await this.stepDown(error.message, fence);
          return;
        }
        this.logger.error(`reconcile pass failed: ${describeError(error)}`);
      }
    } while (this.rerun);
    this.schedule(report);
  }

  /** The next pass: soon while something is under way, when a record falls due, else after the interval. */
  private schedule(report: PassReport | undefined): void {
    if (this.fence === undefined || this.stopped) return;
    const { settings } = this.options;
    let delay = settings.reconcileIntervalSeconds * 1000;
    if (!report || report.waiting)
      delay = Math.min(delay, settings.requeueDelayMs);
    if (report?.nextDueAt)
      delay = Math.min(
        delay,
        Math.max(10, Date.parse(report.nextDueAt) - this.clock.now() + 5),
      );
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.trigger(), delay);
    this.timer.unref?.();
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
