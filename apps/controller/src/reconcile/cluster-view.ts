import {
  isTerminalInstanceState,
  type LabletInstance,
  type WorkerResources,
} from '@lcm/domain';
import type { WorkerView as SchedulingWorkerView } from '@lcm/scheduling';
import type {
  InstanceStore,
  Versioned,
  WorkerStore,
  WorkerView,
} from '@lcm/state-store';

/**
 * What one pass works from: every instance and worker as read at the start, each with the revision
 * to compare when writing it back. Every commit of the pass updates it, so later steps (the
 * autoscaler after the instance reconciler) decide on what is now true, not on what was read.
 */
export class ClusterView {
  readonly instances = new Map<string, Versioned<LabletInstance>>();
  readonly workers = new Map<string, WorkerView>();

  static async read(
    instances: InstanceStore,
    workers: WorkerStore,
  ): Promise<ClusterView> {
    const [i, w] = await Promise.all([instances.list(), workers.list()]);
    const view = new ClusterView();
    for (const item of i.items) view.instances.set(item.value.id, item);
    for (const item of w.items) view.workers.set(item.worker.value.id, item);
    return view;
  }

  instanceList(): LabletInstance[] {
    return [...this.instances.values()].map((v) => v.value);
  }

  /** Instances still on the worker (not terminated). */
  liveInstancesOn(workerId: string): LabletInstance[] {
    return this.instanceList().filter(
      (i) => i.workerId === workerId && !isTerminalInstanceState(i.state),
    );
  }

  /** The worker's capacity and ports records, to release or reserve against. */
  resourcesOf(workerId: string | null): WorkerResources | undefined {
    const view = workerId === null ? undefined : this.workers.get(workerId);
    return view
      ? { capacity: view.capacity.value, ports: view.ports.value }
      : undefined;
  }

  /** What @lcm/scheduling takes: records without revisions. */
  schedulingViews(): SchedulingWorkerView[] {
    return [...this.workers.values()].map((v) => ({
      worker: v.worker.value,
      capacity: v.capacity.value,
      ports: v.ports.value,
    }));
  }
}
