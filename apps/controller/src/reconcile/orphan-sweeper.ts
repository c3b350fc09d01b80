import type { Worker } from '@lcm/domain';
import { WORKER_ID_TAG, type CloudInstanceStatus } from '@lcm/providers';
import type { PassContext } from './pass-context';

/**
 * Ends VMs tagged as LCM's that no live worker record accounts for (docs/controller.md#worker-lifecycle orphaned cloud
 * resources): no worker id tag, a worker id etcd does not know, or a worker that is already
 * terminated or failed. A VM is terminated only once it has been seen orphaned for
 * CONTROLLER_ORPHAN_GRACE_MINUTES, so a record being written, a restore, or an operator's repair
 * has time to claim it. The provider is listed at most every CONTROLLER_ORPHAN_SWEEP_SECONDS, by the
 * passes that run anyway (at least every CONTROLLER_RECONCILE_INTERVAL_SECONDS): no wake-up of its own.
 * Start-up adoption (StartupReconciler) runs first, so a VM LCM can adopt is never swept.
 */
export class OrphanSweeper {
  private lastSweepMs: number | undefined;
  /** When each orphan was first seen (this leadership; a new leader starts the grace again). */
  private readonly firstSeen = new Map<string, number>();

  async sweep(pass: PassContext): Promise<string[]> {
    const { orphanSweepSeconds, orphanGraceMinutes } = pass.settings;
    if (orphanSweepSeconds <= 0) return [];
    if (
      this.lastSweepMs !== undefined &&
      pass.nowMs - this.lastSweepMs < orphanSweepSeconds * 1000
    ) {
      return [];
    }
    this.lastSweepMs = pass.nowMs;
    const vms = await pass.deps.provider.listManaged();
    const owners = ownersOf(pass);
    const orphans = vms.filter(
      (vm) =>
        vm.state !== 'shutting-down' &&
        vm.state !== 'terminated' &&
        isOrphan(owners, vm),
    );
    const current = new Set(orphans.map((vm) => vm.id));
    for (const id of this.firstSeen.keys())
      if (!current.has(id)) this.firstSeen.delete(id);
    const terminated: string[] = [];
    for (const vm of orphans) {
      const seen = this.firstSeen.get(vm.id) ?? pass.nowMs;
      this.firstSeen.set(vm.id, seen);
      const dueMs = seen + orphanGraceMinutes * 60_000;
      if (pass.nowMs < dueMs) {
        pass.logger.warn(
          `orphan VM ${vm.id} (${vm.state}, worker ${vm.tags[WORKER_ID_TAG] ?? '?'}): terminated at ${new Date(dueMs).toISOString()} unless a worker claims it`,
        );
        continue;
      }
      await pass.deps.provider.terminate(vm.id);
      this.firstSeen.delete(vm.id);
      terminated.push(vm.id);
      pass.logger.warn(
        `orphan VM ${vm.id} (worker ${vm.tags[WORKER_ID_TAG] ?? '?'}) terminated after ${orphanGraceMinutes} minutes without a live worker record`,
      );
    }
    return terminated;
  }
}

/** The worker records a VM can belong to, by worker id and by cloud id (one lookup per VM, not a scan of every worker). */
interface Owners {
  byId: ReadonlyMap<string, Worker>;
  byCloudId: ReadonlyMap<string, Worker>;
}

function ownersOf(pass: PassContext): Owners {
  const byId = new Map<string, Worker>();
  const byCloudId = new Map<string, Worker>();
  for (const view of pass.view.workers.values()) {
    const worker = view.worker.value;
    byId.set(worker.id, worker);
    const cloudId = worker.providerInstanceId;
    // Two records naming one VM (a failed worker and its successor): the live one claims it.
    if (cloudId && !isLive(byCloudId.get(cloudId)))
      byCloudId.set(cloudId, worker);
  }
  return { byId, byCloudId };
}

function isOrphan(owners: Owners, vm: CloudInstanceStatus): boolean {
  const workerId = vm.tags[WORKER_ID_TAG];
  return (
    !isLive(workerId === undefined ? undefined : owners.byId.get(workerId)) &&
    !isLive(owners.byCloudId.get(vm.id))
  );
}

function isLive(worker: Worker | undefined): boolean {
  return (
    worker !== undefined &&
    worker.state !== 'terminated' &&
    worker.state !== 'failed'
  );
}
