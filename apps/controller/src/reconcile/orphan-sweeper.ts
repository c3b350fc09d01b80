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
    const orphans = vms.filter(
      (vm) =>
        vm.state !== 'shutting-down' &&
        vm.state !== 'terminated' &&
        this.isOrphan(pass, vm),
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

  private isOrphan(pass: PassContext, vm: CloudInstanceStatus): boolean {
    const workers = [...pass.view.workers.values()].map((v) => v.worker.value);
    const workerId = vm.tags[WORKER_ID_TAG];
    const owner = workers.find(
      (w) =>
        (workerId !== undefined && w.id === workerId) ||
        w.providerInstanceId === vm.id,
    );
    return (
      owner === undefined ||
      owner.state === 'terminated' ||
      owner.state === 'failed'
    );
  }
}
