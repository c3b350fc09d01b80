import {
  Conflict,
  type InstanceChange,
  type LabletInstance,
  type WorkerChange,
} from '@lcm/domain';
import { toOutboxEvents } from '@lcm/events';
import {
  FencedWriter,
  type Fence,
  type InstanceStore,
  type Versioned,
  type WorkerStore,
  type WorkerView,
} from '@lcm/state-store';
import type { ControllerMetrics } from '../metrics/controller-metrics';
import type { ClusterView } from './cluster-view';
import type { ControllerLogger } from './controller-logger';

/** The CloudEvents `source` of everything the controller writes. */
export const CONTROLLER_SOURCE = 'lcm/controller';

/** The controller's writer for a leadership term: the state store's FencedWriter with its fence and source. */
export function controllerWriter(
  stores: { instances: InstanceStore; workers: WorkerStore },
  fence: Fence,
): FencedWriter {
  return new FencedWriter(
    stores,
    (events) => toOutboxEvents(events, CONTROLLER_SOURCE),
    fence,
  );
}

/** What a pass wrote and ran into. */
export interface WriteCounts {
  writes: number;
  conflicts: number;
}

/**
 * Commits domain transitions for one pass: the record and the worker resources the change touched,
 * compared on the revisions the pass read, with the change's CloudEvents in the outbox and the
 * leader fence, in one transaction. A Conflict (someone changed the record since it was read) is
 * not an error: the change is dropped and the next pass decides again from fresh state. A
 * NotLeaderError propagates: the pass stops and the replica steps down.
 */
export class TransitionWriter {
  readonly counts: WriteCounts = { writes: 0, conflicts: 0 };

  constructor(
    private readonly writer: FencedWriter,
    private readonly view: ClusterView,
    private readonly logger: ControllerLogger,
    private readonly metrics?: ControllerMetrics,
  ) {}

  /** Commits an instance change; the new record (with its revision), or undefined on a conflict. */
  async instance(
    current: Versioned<LabletInstance>,
    change: InstanceChange,
  ): Promise<Versioned<LabletInstance> | undefined> {
    const workerId = change.instance.workerId;
    const worker =
      workerId === null ? undefined : this.view.workers.get(workerId);
    const expected = {
      instance: current.revision,
      ...(change.capacity && worker
        ? { capacity: worker.capacity.revision }
        : {}),
      ...(change.ports && worker ? { ports: worker.ports.revision } : {}),
    };
    const committed = await this.guard('instance', change.instance.id, () =>
      this.writer.instance(change, expected),
    );
    if (committed === undefined) return undefined;
    const next = { value: change.instance, revision: committed.revision };
    this.view.instances.set(next.value.id, next);
    if (worker && (change.capacity || change.ports)) {
      const updated: WorkerView = {
        ...worker,
        ...(change.capacity
          ? {
              capacity: {
                value: change.capacity,
                revision: committed.revision,
              },
            }
          : {}),
        ...(change.ports
          ? { ports: { value: change.ports, revision: committed.revision } }
          : {}),
      };
      this.view.workers.set(worker.worker.value.id, updated);
    }
    return next;
  }

  /** Commits a worker change (`current` undefined: a new worker with its capacity and ports records). */
  async worker(
    current: WorkerView | undefined,
    change: WorkerChange,
  ): Promise<WorkerView | undefined> {
    // A change that rewrites an existing worker's capacity (a licence report) compares it too.
    const expected = {
      worker: current ? current.worker.revision : ('absent' as const),
      ...(current && change.capacity
        ? { capacity: current.capacity.revision }
        : {}),
    };
    const committed = await this.guard('worker', change.worker.id, () =>
      this.writer.worker(change, expected),
    );
    if (committed === undefined) return undefined;
    const revision = committed.revision;
    const next: WorkerView = {
      worker: { value: change.worker, revision },
      capacity: change.capacity
        ? { value: change.capacity, revision }
        : (current?.capacity ?? {
            value: { declared: zero(), allocated: zero() },
            revision,
          }),
      ports: change.ports
        ? { value: change.ports, revision }
        : (current?.ports ?? { value: {}, revision }),
    };
    this.view.workers.set(change.worker.id, next);
    return next;
  }

  /** Removes a terminated instance's keys (retention over). */
  async removeInstance(current: Versioned<LabletInstance>): Promise<boolean> {
    const done = await this.guard('instance', current.value.id, async () => {
      await this.writer.removeInstance(current.value.id, current.revision);
      return { revision: 0 };
    });
    if (done) this.view.instances.delete(current.value.id);
    return done !== undefined;
  }

  /** Removes a terminated worker's keys (retention over). */
  async removeWorker(current: WorkerView): Promise<boolean> {
    const id = current.worker.value.id;
    const done = await this.guard('worker', id, async () => {
      await this.writer.removeWorker(id, current.worker.revision);
      return { revision: 0 };
    });
    if (done) this.view.workers.delete(id);
    return done !== undefined;
  }

  private async guard(
    kind: 'instance' | 'worker',
    id: string,
    commit: () => Promise<{ revision: number }>,
  ): Promise<{ revision: number } | undefined> {
    try {
      const result = await commit();
      this.counts.writes++;
      return result;
    } catch (error) {
      if (error instanceof Conflict) {
        this.counts.conflicts++;
        this.metrics?.conflicts.inc({ kind });
        this.logger.debug?.(
          `${kind} ${id}: ${error.message}; retrying next pass`,
        );
        return undefined;
      }
      throw error;
    }
  }
}

function zero() {
  return { cpuCores: 0, memoryGb: 0, storageGb: 0, maxNodes: 0 };
}
