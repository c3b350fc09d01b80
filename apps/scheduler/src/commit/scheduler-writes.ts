import { type DomainEvent, type InstanceChange, type LabletInstance } from '@lcm/domain';
import { toOutboxEvents } from '@lcm/events';
import { Fence, InstanceStore, KeyLayout, RecordWrite, StateCommitter, StateStore, Versioned } from '@lcm/state-store';
import type { WorkerBatch } from '../view/worker-slot';

/** The `source` of every CloudEvent the scheduler emits (SPEC A-1). */
export const SCHEDULER_SOURCE = 'lcm/scheduler';

/**
 * Every write the scheduler makes, each ONE fenced etcd transaction: a deposed leader's write fails
 * with NotLeaderError, a stale one with Conflict, and nothing is half-applied.
 */
export class SchedulerWrites {
  private readonly committer: StateCommitter;

  constructor(store: StateStore, private readonly instances: InstanceStore, private readonly keys: KeyLayout) {
    this.committer = new StateCommitter(store, keys);
  }

  /**
   * PENDING -> SCHEDULED for the batch's placements on one worker. One placement is exactly
   * `InstanceStore.commit(scheduleInstance change, { instance, capacity, ports, workerState }, { events, fence })`.
   * Several are the same writes merged: each instance record (compared on its revision) with its
   * `/worker` key and `scheduled` event, and the worker's capacity and ports once, after the last
   * reservation (compared on the revisions the first reservation was computed from).
   */
  async schedule(batch: WorkerBatch, fence: Fence): Promise<{ revision: number }> {
    const { base, placements } = batch;
    if (placements.length === 1) {
      const [{ instance, change }] = placements;
      return this.instances.commit(change, { instance: instance.revision, capacity: base.capacity, ports: base.ports, workerState: base.worker }, { events: toOutboxEvents(change.events, SCHEDULER_SOURCE), fence });
    }
    const writes: RecordWrite[] = [];
    const events: DomainEvent[] = [];
    for (const { instance, change } of placements) {
      writes.push({ key: this.keys.instance(instance.value.id), value: change.instance, expected: instance.revision });
      writes.push({ key: this.keys.instance(instance.value.id, 'worker'), value: batch.workerId, expected: 'any' });
      events.push(...change.events);
    }
    const last = placements[placements.length - 1].change;
    writes.push({ key: this.keys.worker(batch.workerId, 'capacity'), value: last.capacity, expected: base.capacity });
    writes.push({ key: this.keys.worker(batch.workerId, 'ports'), value: last.ports, expected: base.ports });
    return this.committer.commit(writes, {
      events: toOutboxEvents(events, SCHEDULER_SOURCE),
      fence,
      conditions: [{ key: this.keys.worker(batch.workerId, 'state'), expected: base.worker }],
    });
  }

  /** The explanation of an unplaced instance (domain `setPendingReason`): no event. */
  async pendingReason(instance: Versioned<LabletInstance>, change: InstanceChange, fence: Fence): Promise<{ revision: number }> {
    return this.instances.commit(change, { instance: instance.revision }, { events: [], fence });
  }
}
