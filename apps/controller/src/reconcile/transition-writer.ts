import {
  Conflict,
  type InstanceChange,
  type LabletInstance,
  type WorkerChange,
} from '@lcm/domain';
import { toOutboxEvents } from '@lcm/events';
import {
  FencedWriter,
  type CommitResult,
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
 * leader fence, in one transaction, and applies each commit to the pass's view at once. A Conflict (someone changed the record since it was read) is
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
    return { value: change.instance, revision: committed.revision };
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
    return this.view.workers.get(change.worker.id);
  }

  /** Removes a terminated instance's keys (retention over). */
  async removeInstance(current: Versioned<LabletInstance>): Promise<boolean> {
    const done = await this.guard('instance', current.value.id, () =>
      this.writer.removeInstance(current.value.id, current.revision),
    );
    return done !== undefined;
  }

  /** Removes a terminated worker's keys (retention over). */
  async removeWorker(current: WorkerView): Promise<boolean> {
    const id = current.worker.value.id;
    const done = await this.guard('worker', id, () =>
      this.writer.removeWorker(id, current.worker.revision),
    );
    return done !== undefined;
  }

  private async guard(
    kind: 'instance' | 'worker',
    id: string,
    commit: () => Promise<CommitResult>,
  ): Promise<CommitResult | undefined> {
    try {
      const result = await commit();
      this.counts.writes++;
      // The view learns the commit now (its watch echo is then no news).
      this.view.committed(result);
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
