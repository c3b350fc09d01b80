import { NotLeaderError, type Fence } from '@lcm/state-store';
import { Autoscaler } from './autoscaler';
import { ClusterView } from './cluster-view';
import { describeError } from './controller-logger';
import { InstanceReconciler } from './instance-reconciler';
import { OrphanSweeper } from './orphan-sweeper';
import { PassContext, type ReconcilerDeps } from './pass-context';
import { StartupReconciler, type AdoptionReport } from './startup-reconciler';
import { WorkerReconciler } from './worker-reconciler';

export interface PassOptions {
  /** Run the start-up reconcile first (once per leadership). */
  adopt?: boolean;
}

/** What one pass did and when the next one is needed. */
export interface PassReport {
  startedAt: string;
  durationMs: number;
  instances: number;
  workers: number;
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
 * One full, level-triggered reconcile pass: read every instance and worker, then reconcile workers
 * (provisioning, status sync, requests), instances grouped by worker (so the transitions that
 * release or reserve a worker's resources never race each other; different workers in parallel),
 * then the autoscaler's scale-down and scale-up. Safe to re-run at any time; a pass over a cluster
 * with nothing to do writes nothing.
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
    const view = await ClusterView.read(this.deps.instances, this.deps.workers);
    const pass = new PassContext(this.deps, view, fence);
    const concurrency = this.deps.settings.concurrency;
    let adoption: AdoptionReport | undefined;
    let orphansTerminated: string[] = [];

    if (options.adopt)
      await this.guarded(
        pass,
        'adopt',
        async () => void (adoption = await this.startup.adopt(pass)),
      );
    await forEachLimited([...view.workers.keys()], concurrency, (id) =>
      this.guarded(pass, 'worker', () =>
        this.workerReconciler.reconcile(pass, id),
      ),
    );
    await this.guarded(
      pass,
      'orphans',
      async () => void (orphansTerminated = await this.orphans.sweep(pass)),
    );
    await forEachLimited(groupByWorker(view), concurrency, async (ids) => {
      for (const id of ids)
        await this.guarded(pass, 'instance', () =>
          this.instanceReconciler.reconcile(pass, id),
        );
    });
    await this.guarded(pass, 'scale-down', () =>
      this.autoscaler.scaleDown(pass),
    );
    await this.guarded(pass, 'scale-up', () => this.autoscaler.scaleUp(pass));

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

  /** A record's failure is logged and counted, and the pass goes on; losing leadership stops it. */
  private async guarded(
    pass: PassContext,
    phase: Phase,
    work: () => Promise<void>,
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof NotLeaderError) throw error;
      pass.errors++;
      pass.wait();
      this.deps.metrics?.errors.inc({ phase });
      pass.logger.error(`reconcile ${phase}: ${describeError(error)}`);
    }
  }
}

/** Instance ids in groups that share a worker (unplaced ones alone). */
function groupByWorker(view: ClusterView): string[][] {
  const groups = new Map<string, string[]>();
  const alone: string[][] = [];
  for (const { value } of view.instances.values()) {
    if (value.workerId === null) alone.push([value.id]);
    else
      groups.set(value.workerId, [
        ...(groups.get(value.workerId) ?? []),
        value.id,
      ]);
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
