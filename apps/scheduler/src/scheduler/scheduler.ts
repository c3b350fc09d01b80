import { Registry } from 'prom-client';
import {
  Fence,
  InstanceStore,
  KeyLayout,
  LeaderElection,
  sameTerm,
  StateStore,
  StoreObserver,
  WorkerStore,
} from '@lcm/state-store';
import { TemplatePoller, TemplateSource } from '../templates/template-poller';
import { SchedulerLogger, SILENT_LOGGER } from './scheduler-logger';
import { SchedulerMetrics } from './scheduler-metrics';
import { SchedulerSettings } from './scheduler-settings';
import { SchedulingTerm } from './scheduling-term';

export interface SchedulerDependencies {
  store: StateStore;
  keys: KeyLayout;
  /** Defaults to stores over `store` and `keys`. */
  instances?: InstanceStore;
  workers?: WorkerStore;
  templates: TemplateSource;
  settings: SchedulerSettings;
  /** The app's registry (/metrics); a private one when absent. */
  registry?: Registry;
  logger?: SchedulerLogger;
  observer?: StoreObserver;
  clock?: () => Date;
}

export interface SchedulerStatus {
  replicaId: string;
  enabled: boolean;
  leader: boolean;
  /** When this replica became leader (ISO), while it leads. */
  leaderSince: string | null;
  queueDepth: number;
  parked: number;
  workers: number;
}

const LOG = 'Scheduler';

/**
 * The scheduler, constructible without Nest: N replicas campaign for `keys.leader('scheduler')`; the
 * leader runs a SchedulingTerm (cache, queue, placer, fenced commits) until it is deposed, and a standby is
 * ready and idle. Deposition (lease lost, key gone, a fenced write refused) ends the term at once.
 */
export class Scheduler {
  readonly metrics: SchedulerMetrics;
  private readonly election?: LeaderElection;
  private readonly templates: TemplatePoller;
  private readonly logger: SchedulerLogger;
  private readonly clock: () => Date;
  private readonly instances: InstanceStore;
  private readonly workers: WorkerStore;
  private term?: SchedulingTerm;
  private leaderSince: string | null = null;
  private stopped = false;
  private termWaiters: ((term: SchedulingTerm) => void)[] = [];

  constructor(private readonly deps: SchedulerDependencies) {
    const { store, keys, settings } = deps;
    this.logger = deps.logger ?? SILENT_LOGGER;
    this.clock = deps.clock ?? (() => new Date());
    this.instances =
      deps.instances ?? new InstanceStore(store, keys, deps.observer);
    this.workers = deps.workers ?? new WorkerStore(store, keys, deps.observer);
    this.metrics = new SchedulerMetrics(
      deps.registry ?? new Registry(),
      () => this.term?.cache.pendingCount ?? 0,
    );
    this.templates = new TemplatePoller(
      deps.templates,
      settings.templateRefreshSeconds * 1000,
      this.logger,
    );
    if (settings.enabled) {
      this.election = new LeaderElection({
        store,
        key: keys.leader('scheduler'),
        candidateId: settings.replicaId,
        ttlSeconds: settings.leaseTtlSeconds,
        onElected: (fence) => this.elected(fence),
        onDeposed: (reason, fence) =>
          void this.endTerm(`deposed: ${reason}`, (term) =>
            sameTerm(term.fence, fence),
          ),
        onError: (error) =>
          this.logger.warn(
            `leader election: ${error instanceof Error ? error.message : String(error)}`,
            LOG,
          ),
      });
    }
  }

  /** Starts campaigning (in the background); with SCHEDULER_ENABLED=false, does nothing. */
  start(): void {
    if (!this.election) {
      this.logger.log(
        'scheduler disabled (SCHEDULER_ENABLED=false): not campaigning',
        LOG,
      );
      return;
    }
    this.stopped = false;
    this.logger.log(
      `replica ${this.deps.settings.replicaId} campaigning for ${this.deps.keys.leader('scheduler')} (lease ${this.deps.settings.leaseTtlSeconds} s)`,
      LOG,
    );
    this.election.start();
  }

  /** Ends the term and gives up leadership (deleting the key, so a standby takes over at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.endTerm('stopping');
    await this.election?.resign();
  }

  isLeader(): boolean {
    return this.term?.isActive === true && (this.election?.isLeader() ?? false);
  }

  /** The leader as this replica's election last saw it (from memory: answers during a store outage). */
  knownLeader(): string | undefined {
    return this.election?.knownLeader();
  }

  /** The replica id in the leader key now, whoever it is (a store read). */
  async currentLeader(): Promise<string | undefined> {
    return this.election?.currentLeader();
  }

  status(): SchedulerStatus {
    return {
      replicaId: this.deps.settings.replicaId,
      enabled: this.deps.settings.enabled,
      leader: this.isLeader(),
      leaderSince: this.isLeader() ? this.leaderSince : null,
      queueDepth: this.term?.cache.pendingCount ?? 0,
      parked: this.term?.parkedCount ?? 0,
      workers: this.term ? [...this.term.cache.allSlots()].length : 0,
    };
  }

  /** Resolves once this replica leads and its first pass can run (tests, benches). */
  whenLeading(): Promise<SchedulingTerm> {
    if (this.term?.isActive && this.term.isReady)
      return Promise.resolve(this.term);
    return new Promise((resolve) => this.termWaiters.push(resolve));
  }

  /** Resolves when the leader has nothing left to evaluate or commit (immediately on a standby). */
  async whenIdle(): Promise<void> {
    await this.term?.whenIdle();
  }

  /** Runs the reconcile pass now (what the timer does every SCHEDULER_RECONCILE_INTERVAL_SECONDS). */
  reconcileNow(): void {
    this.term?.reconcile();
  }

  private elected(fence: Fence): void {
    if (this.stopped) return;
    if (this.term) void this.endTerm('re-elected');
    this.leaderSince = this.clock().toISOString();
    this.metrics.setLeader(true);
    this.logger.log(
      `replica ${fence.holder} is the scheduler leader (fence revision ${fence.createRevision})`,
      LOG,
    );
    const term: SchedulingTerm = new SchedulingTerm(
      {
        store: this.deps.store,
        keys: this.deps.keys,
        instances: this.instances,
        workers: this.workers,
        templates: this.templates,
        settings: this.deps.settings,
        metrics: this.metrics,
        logger: this.logger,
        observer: this.deps.observer,
        clock: this.clock,
      },
      fence,
      (reason) => void this.fenceLost(reason, term),
    );
    this.term = term;
    term.start().then(
      () => {
        if (!term.isActive) return;
        const waiters = this.termWaiters;
        this.termWaiters = [];
        for (const wake of waiters) wake(term);
      },
      (error: unknown) => {
        this.logger.error(
          `could not start the scheduling term: ${error instanceof Error ? error.message : String(error)}; resigning`,
          LOG,
        );
        void this.endTerm('start failed', (t) => t === term).then(() =>
          this.election?.stepDown(fence, 'the scheduling term could not start'),
        );
      },
    );
  }

  /**
   * Stops acting at once: the term's loop, informers and pipeline end; in-flight writes fail on the
   * fence. With `only`, just when the running term is that one: the end of an older term never ends
   * (nor un-gauges) a newer one.
   */
  private async endTerm(
    reason: string,
    only?: (term: SchedulingTerm) => boolean,
  ): Promise<void> {
    const term = this.term;
    if (!term || (only && !only(term))) return;
    this.term = undefined;
    this.leaderSince = null;
    this.metrics.setLeader(false);
    this.logger.log(`scheduler term ended (${reason})`, LOG);
    await term.close();
  }

  /**
   * A fenced write of `term` was refused: that term is over. It steps down (the election ignores a
   * term that already ended, so a newer term of this replica is untouched) and campaigns again.
   */
  private async fenceLost(reason: string, term: SchedulingTerm): Promise<void> {
    await this.endTerm(`fence lost: ${reason}`, (t) => t === term);
    await this.election?.stepDown(term.fence, `fence lost: ${reason}`);
  }
}
