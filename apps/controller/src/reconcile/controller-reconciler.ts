import { NotLeaderError, type Fence } from '@lcm/state-store';
import { Autoscaler } from './autoscaler';
import type { ClusterView } from './cluster-view';
import { describeError } from './controller-logger';
import { InstanceReconciler } from './instance-reconciler';
import { OrphanSweeper } from './orphan-sweeper';
import {
  PassContext,
  type ItemOutcome,
  type ReconcilerDeps,
} from './pass-context';
import { StartupReconciler, type AdoptionReport } from './startup-reconciler';
import { WorkerReconciler } from './worker-reconciler';

/** The work queue's key of a record's reconcile, and of the autoscaler (which looks at everything). */
export const workKey = {
  instance: (id: string) => `instance/${id}`,
  worker: (id: string) => `worker/${id}`,
  autoscaler: 'autoscaler',
} as const;

export interface PassOptions {
  /** Run the start-up reconcile first (once per leadership). */
  adopt?: boolean;
  /** Only these items (`workKey`s: a work queue's batch); default every record and the autoscaler (a full pass). */
  only?: Iterable<string>;
  /** Told, as each item finishes, what it needs next (the runtime requeues it). */
  onOutcome?: (key: string, outcome: WorkOutcome) => void;
}

export interface WorkOutcome extends ItemOutcome {
  /** Its reconcile threw (logged, counted): retry with backoff. */
  failed: boolean;
}

/** What one pass did and when the next one is needed. */
export interface PassReport {
  startedAt: string;
  durationMs: number;
  instances: number;
  workers: number;
  /** Items reconciled (records, and the autoscaler as one): all of them in a full pass. */
  items: number;
  /** Transactions committed (transitions and removals). */
  writes: number;
  /** Commits refused on a stale revision (decided again next pass). */
  conflicts: number;
  /** Records whose reconcile failed unexpectedly (logged; retried next pass). */
  errors: number;
  /** Something is under way on the data plane: look again after the requeue delay. */
  waiting: boolean;
  /** The earliest time a record falls due, if any (ISO). */
  nextDueAt?: string;
  adoption?: AdoptionReport;
  /** Orphan VMs terminated by this pass. */
  orphansTerminated?: string[];
}

type Phase =
  | 'adopt'
  | 'worker'
  | 'orphans'
  | 'instance'
  | 'scale-down'
  | 'scale-up';

/**
 * One level-triggered reconcile pass over the informer-fed ClusterView (no store reads): the
 * workers, then the instances grouped by worker (so the transitions that release or reserve a
 * worker's resources never race each other; different workers in parallel), then the autoscaler's
 * scale-down and scale-up — all of them (a full pass), or the items a work queue hands it
 * (`only`). Each item reports what it needs next (`onOutcome`). Safe to re-run at any time; a pass
 * over a cluster with nothing to do writes nothing.
 */
export class ControllerReconciler {
  private readonly instanceReconciler = new InstanceReconciler();
  private readonly workerReconciler = new WorkerReconciler();
  private readonly autoscaler = new Autoscaler(
    this.workerReconciler,
    this.instanceReconciler,
  );
  private readonly startup = new StartupReconciler();
  private readonly orphans = new OrphanSweeper();

  constructor(readonly deps: ReconcilerDeps) {}

  /** Runs one pass under `fence`. Throws NotLeaderError when the fence no longer holds (step down). */
  async runPass(fence: Fence, options: PassOptions = {}): Promise<PassReport> {
    const started = performance.now();
    const view = this.deps.view;
    // A caller without a runtime (tests, tools): the informers start here (one list each).
    if (!view.started) await view.synced();
    const pass = new PassContext(this.deps, view, fence);
    const concurrency = this.deps.settings.concurrency;
    const only = options.only === undefined ? undefined : new Set(options.only);
    let adoption: AdoptionReport | undefined;
    let orphansTerminated: string[] = [];
    let items = 0;

    /** One item in its own scope; its outcome goes to the caller. */
    const item = async (
      key: string,
      phase: Phase,
      work: (scope: PassContext) => Promise<void>,
    ): Promise<void> => {
      const scope = pass.scoped();
      await this.guarded(scope, phase, () => work(scope));
      items++;
      options.onOutcome?.(key, {
        waiting: scope.waiting,
        nextDueMs: scope.nextDueMs,
        errors: scope.errors,
        failed: scope.threw,
      });
    };

    if (options.adopt)
      await this.guarded(
        pass,
        'adopt',
        async () => void (adoption = await this.startup.adopt(pass)),
      );
    const workerIds = only ? idsOf(only, 'worker/') : [...view.workers.keys()];
    await forEachLimited(workerIds, concurrency, (id) =>
      item(workKey.worker(id), 'worker', (scope) =>
        this.workerReconciler.reconcile(scope, id),
      ),
    );
    await this.guarded(
      pass,
      'orphans',
      async () => void (orphansTerminated = await this.orphans.sweep(pass)),
    );
    const instanceIds = only
      ? idsOf(only, 'instance/')
      : [...view.instances.keys()];
    await forEachLimited(
      groupByWorker(view, instanceIds),
      concurrency,
      async (ids) => {
        for (const id of ids)
          await item(workKey.instance(id), 'instance', (scope) =>
            this.instanceReconciler.reconcile(scope, id),
          );
      },
    );
    if (!only || only.has(workKey.autoscaler))
      await item(workKey.autoscaler, 'scale-down', async (scope) => {
        await this.guarded(scope, 'scale-down', () =>
          this.autoscaler.scaleDown(scope),
        );
        await this.guarded(scope, 'scale-up', () =>
          this.autoscaler.scaleUp(scope),
        );
      });

    const durationMs = performance.now() - started;
    const metrics = this.deps.metrics;
    metrics?.reconcileDuration.observe(durationMs / 1000);
    metrics?.observeState(
      view.instanceList(),
      [...view.workers.values()].map((v) => v.worker.value),
    );
    return {
      startedAt: pass.now,
      durationMs,
      instances: view.instances.size,
      workers: view.workers.size,
      items,
      writes: pass.writer.counts.writes,
      conflicts: pass.writer.counts.conflicts,
      errors: pass.errors,
      waiting: pass.waiting,
      ...(pass.nextDueMs !== undefined
        ? { nextDueAt: new Date(pass.nextDueMs).toISOString() }
        : {}),
      ...(adoption ? { adoption } : {}),
      ...(orphansTerminated.length > 0 ? { orphansTerminated } : {}),
    };
  }

  /** A record's failure is logged and counted (`threw`), and the pass goes on; losing leadership stops it. */
  private async guarded(
    pass: PassContext,
    phase: Phase,
    work: () => Promise<void>,
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof NotLeaderError) throw error;
      pass.threw = true;
      pass.failed();
      pass.wait();
      this.deps.metrics?.errors.inc({ phase });
      pass.logger.error(`reconcile ${phase}: ${describeError(error)}`);
    }
  }
}

/** The ids of the keys with `prefix` (`worker/`, `instance/`). */
function idsOf(keys: ReadonlySet<string>, prefix: string): string[] {
  const ids: string[] = [];
  for (const key of keys)
    if (key.startsWith(prefix)) ids.push(key.slice(prefix.length));
  return ids;
}

/** Instance ids in groups that share a worker (unplaced or unknown ones alone). */
function groupByWorker(view: ClusterView, ids: readonly string[]): string[][] {
  const groups = new Map<string, string[]>();
  const alone: string[][] = [];
  for (const id of ids) {
    const value = view.instances.get(id)?.value;
    if (!value) {
      alone.push([id]);
      continue;
    }
    if (value.workerId === null) alone.push([value.id]);
    else {
      const group = groups.get(value.workerId);
      if (group) group.push(value.id);
      else groups.set(value.workerId, [value.id]);
    }
  }
  return [...groups.values(), ...alone];
}

/** Runs `task` over `items` with at most `limit` at once; the first NotLeaderError stops the rest and is thrown. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let fatal: unknown;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (fatal === undefined && next < items.length) {
        try {
          await task(items[next++]);
        } catch (error) {
          fatal ??= error;
        }
      }
    }),
  );
  if (fatal !== undefined) throw fatal;
}
