import type { DomainEvent, InstanceChange, WorkerChange } from '@lcm/domain';
import type { Fence } from '../election/leader-election';
import type {
  InstanceBatchEntry,
  InstanceExpectations,
  InstanceStore,
  WorkerResourceExpectations,
} from './instance-store';
import type { OutboxEvent } from './outbox-event';
import type { CommitResult } from './state-committer';
import type { WorkerExpectations, WorkerStore } from './worker-store';

/**
 * Wraps a change's domain events in the CloudEvents of one source (`lcm/scheduler`, ...). The apps
 * pass @lcm/events' `toOutboxEvents` bound to their source; the state store only stores the result.
 */
export type EventEnvelope = (events: readonly DomainEvent[]) => OutboxEvent[];

/**
 * An app's one way to write records: every change goes through the record stores (which own the
 * key set of each transaction), with its events wrapped by the app's event source and, for a
 * leader (scheduler, controller), compared against the fence it was elected with. A deposed
 * writer's commit fails with NotLeaderError, a stale one with Conflict; nothing is half-applied.
 */
export class FencedWriter {
  constructor(
    private readonly stores: { instances: InstanceStore; workers: WorkerStore },
    private readonly envelope: EventEnvelope,
    /** The leader fence; absent for a writer that does not lead (the api). */
    readonly fence?: Fence,
  ) {}

  /** One instance transition (`InstanceStore.commit`). */
  instance(
    change: InstanceChange,
    expected: InstanceExpectations,
  ): Promise<CommitResult> {
    return this.stores.instances.commit(change, expected, {
      events: this.envelope(change.events),
      fence: this.fence,
    });
  }

  /** Several instance transitions on one worker in one transaction (`InstanceStore.commitBatch`). */
  instances(
    entries: readonly InstanceBatchEntry[],
    worker: WorkerResourceExpectations,
  ): Promise<CommitResult> {
    const events = this.envelope(
      entries.flatMap(({ change }) => change.events),
    );
    return this.stores.instances.commitBatch(entries, worker, {
      events,
      fence: this.fence,
    });
  }

  /** One worker transition (`WorkerStore.commit`). */
  worker(
    change: WorkerChange,
    expected: WorkerExpectations,
  ): Promise<CommitResult> {
    return this.stores.workers.commit(change, expected, {
      events: this.envelope(change.events),
      fence: this.fence,
    });
  }

  /** Removes a terminated instance's keys (retention over). */
  removeInstance(id: string, expectedRevision: number): Promise<CommitResult> {
    return this.stores.instances.remove(id, expectedRevision, {
      fence: this.fence,
    });
  }

  /** Removes a terminated worker's keys (retention over). */
  removeWorker(id: string, expectedRevision: number): Promise<CommitResult> {
    return this.stores.workers.remove(id, expectedRevision, {
      fence: this.fence,
    });
  }
}
