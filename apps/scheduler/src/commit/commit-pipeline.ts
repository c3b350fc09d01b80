import type { Fence } from '@lcm/state-store';
import type { WorkerBatch, WorkerSlot } from '../view/worker-slot';
import type { SchedulerWrites } from './scheduler-writes';

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
    private readonly writes: SchedulerWrites,
    private readonly fence: Fence,
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
    while (!this.closed && this.inFlight < this.limits.maxCommitsInFlight && this.ready.length > 0) {
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
      const { revision } = await this.writes.schedule(batch, this.fence);
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

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
