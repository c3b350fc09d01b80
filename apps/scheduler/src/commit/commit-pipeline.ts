import type { FencedWriter } from '@lcm/state-store';
import type { WorkerBatch, WorkerSlot } from '../cache/worker-slot';

export interface PipelineLimits {
  maxBatchSize: number;
  maxCommitsInFlight: number;
}

export interface PipelineOutcomes {
  committed(slot: WorkerSlot, batch: WorkerBatch, revision: number): void;
  failed(slot: WorkerSlot, batch: WorkerBatch, error: unknown): void;
}

/**
 * Sends planned placements to etcd: at most one transaction per worker at a time (the next one
 * compares the revisions the previous one wrote), up to `maxCommitsInFlight` workers at once. What
 * is planned on a worker while its transaction is in flight goes out together in the next one, so
 * batches grow with the load and stay at one placement when the scheduler is idle.
 */
export class CommitPipeline {
  private inFlight = 0;
  private readonly ready: WorkerSlot[] = [];
  private readonly readySet = new Set<WorkerSlot>();
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly writer: FencedWriter,
    private readonly limits: PipelineLimits,
    private readonly outcomes: PipelineOutcomes,
  ) {}

  /** The slot has queued placements: send them when its worker and the pipeline have room. */
  offer(slot: WorkerSlot): void {
    if (this.closed || this.readySet.has(slot)) return;
    this.readySet.add(slot);
    this.ready.push(slot);
    this.pump();
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  isIdle(): boolean {
    return this.inFlight === 0 && this.ready.length === 0;
  }

  /** Resolves when a transaction settles (or the pipeline closes). */
  progress(): Promise<void> {
    if (this.closed || this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private pump(): void {
    while (
      !this.closed &&
      this.inFlight < this.limits.maxCommitsInFlight &&
      this.ready.length > 0
    ) {
      const slot = this.ready.shift() as WorkerSlot;
      this.readySet.delete(slot);
      const batch = slot.takeBatch(this.limits.maxBatchSize);
      if (!batch) continue;
      this.inFlight++;
      void this.send(slot, batch);
    }
  }

  private async send(slot: WorkerSlot, batch: WorkerBatch): Promise<void> {
    try {
      const { revision } = await this.commit(batch);
      if (!this.closed) this.outcomes.committed(slot, batch, revision);
    } catch (error) {
      if (!this.closed) this.outcomes.failed(slot, batch, error);
    } finally {
      this.inFlight--;
      if (slot.queued.length > 0) this.offer(slot);
      this.pump();
      this.wake();
    }
  }

  /**
   * PENDING -> SCHEDULED for the batch's placements on one worker, in one fenced transaction:
   * each instance compared on the revision it was planned from, the worker's records on the
   * revisions the first placement was computed from (a deposed leader's write fails with
   * NotLeaderError, a stale one with Conflict, and nothing is half-applied).
   */
  private commit({
    base,
    placements,
  }: WorkerBatch): Promise<{ revision: number }> {
    return this.writer.instances(
      placements.map(({ instance, change }) => ({
        change,
        expected: instance.revision,
      })),
      { capacity: base.capacity, ports: base.ports, workerState: base.worker },
    );
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
