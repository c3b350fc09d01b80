import { toEpochMs, type Clock } from '@lcm/domain';
import type { TransitionContext } from '@lcm/domain';
import type { LabRuntime, LabSummary, WorkerProvider } from '@lcm/providers';
import type { Fence, InstanceStore, WorkerStore } from '@lcm/state-store';
import type { ControllerSettings } from '../config';
import type { LabYamlSource } from '../documents/lab-yaml-source';
import type { TemplateCatalog } from '../documents/template-catalog';
import type { ControllerMetrics } from '../metrics/controller-metrics';
import type { ClusterView } from './cluster-view';
import { silentLogger, type ControllerLogger } from './controller-logger';
import {
  CONTROLLER_SOURCE,
  controllerWriter,
  TransitionWriter,
} from './transition-writer';

/** Everything the reconcilers use; all I/O sits behind these. */
export interface ReconcilerDeps {
  /** The informer-fed picture every pass works from (the leader's runtime starts and stops it). */
  view: ClusterView;
  instances: InstanceStore;
  workers: WorkerStore;
  provider: WorkerProvider;
  runtime: LabRuntime;
  templates: Pick<TemplateCatalog, 'list' | 'byName'>;
  labs: Pick<LabYamlSource, 'rewritten'>;
  clock: Clock;
  settings: ControllerSettings;
  metrics?: ControllerMetrics;
  logger?: ControllerLogger;
  /** Ids of new workers (default: random UUIDs). */
  newWorkerId?: () => string;
}

/** What one item of a pass (a record's reconcile, the autoscaler) learnt about when to look again. */
export interface ItemOutcome {
  /** Something is under way outside: look again after the requeue delay. */
  waiting: boolean;
  /** The earliest time the item falls due (epoch ms), if any. */
  nextDueMs: number | undefined;
  /** Failures counted while reconciling it (refused transitions, failed calls). */
  errors: number;
}

/**
 * One pass's working state: the time it decides at, the cluster view, the writer committing under
 * the leader fence, and what it learnt about when to look again (something under way, or a record
 * falling due at a known time). `scoped()` gives one item of the pass its own account of that (its
 * requeue), shared with the pass's.
 */
export class PassContext implements ItemOutcome {
  readonly nowMs: number;
  readonly now: string;
  readonly writer: TransitionWriter;
  readonly logger: ControllerLogger;
  /** Something is under way outside (a VM booting, a lab starting): look again soon. */
  waiting = false;
  /** The earliest time a record falls due (epoch ms), to wake up then. */
  nextDueMs: number | undefined;
  errors = 0;
  /** A reconcile threw unexpectedly in this scope (logged): its item is retried with backoff. */
  threw = false;
  private readonly labs: Map<string, Promise<LabSummary[]>>;
  private readonly parent?: PassContext;

  constructor(
    readonly deps: ReconcilerDeps,
    readonly view: ClusterView,
    readonly fence: Fence,
    parent?: PassContext,
  ) {
    this.parent = parent;
    this.nowMs = parent?.nowMs ?? deps.clock.now();
    this.now = parent?.now ?? new Date(this.nowMs).toISOString();
    this.logger = parent?.logger ?? deps.logger ?? silentLogger;
    this.labs = parent?.labs ?? new Map();
    this.writer =
      parent?.writer ??
      new TransitionWriter(
        controllerWriter(deps, fence),
        view,
        this.logger,
        deps.metrics,
      );
  }

  /** The same pass for one item: what it waits for and when it falls due are also its own. */
  scoped(): PassContext {
    return new PassContext(this.deps, this.view, this.fence, this);
  }

  get settings(): ControllerSettings {
    return this.deps.settings;
  }

  /** The context of a transition the controller makes (`triggeredBy` a requester when carrying out a request). */
  context(reason?: string, triggeredBy = CONTROLLER_SOURCE): TransitionContext {
    return reason === undefined
      ? { now: this.now, triggeredBy }
      : { now: this.now, triggeredBy, reason };
  }

  wait(): void {
    this.waiting = true;
    this.parent?.wait();
  }

  /** A failure while reconciling (a refused transition, a failed call): counted, retried later. */
  failed(): void {
    this.errors++;
    this.parent?.failed();
  }

  /** Remember that something falls due at `at` (ISO or epoch ms). Past times are ignored. */
  dueAt(at: string | number): void {
    const ms = typeof at === 'number' ? at : toEpochMs(at);
    if (!Number.isFinite(ms) || ms <= this.nowMs) return;
    if (this.nextDueMs === undefined || ms < this.nextDueMs)
      this.nextDueMs = ms;
    this.parent?.dueAt(ms);
  }

  /** The labs on a worker's engine, read once per pass. */
  labsOn(host: string): Promise<LabSummary[]> {
    let labs = this.labs.get(host);
    if (!labs) {
      labs = this.deps.runtime.listLabs(host);
      labs.catch(() => this.labs.delete(host));
      this.labs.set(host, labs);
    }
    return labs;
  }

  /** The lab LCM imported for an instance (its idempotency key is the instance id), if any. */
  async labOf(
    host: string,
    instanceId: string,
  ): Promise<LabSummary | undefined> {
    return (await this.labsOn(host)).find(
      (lab) => lab.idempotencyKey === instanceId,
    );
  }

  forgetLabs(host: string): void {
    this.labs.delete(host);
  }
}
