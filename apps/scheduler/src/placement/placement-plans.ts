import { scheduleInstance } from '@lcm/domain';
import { consolidates, type PlacementStrategy } from '@lcm/scheduling';
import type { PendingInstance, SchedulerCache } from '../cache/scheduler-cache';
import type { WorkerSlot } from '../cache/worker-slot';
import { SCHEDULER_SOURCE } from '../commit/scheduler-writer';
import type { SchedulerLogger } from '../scheduler/scheduler-logger';
import type { SchedulerMetrics } from '../scheduler/scheduler-metrics';
import {
  CONSOLIDATION_WINDOW,
  ConsolidationWindow,
} from './consolidation-window';

export interface PlansDependencies {
  cache: SchedulerCache;
  strategy: PlacementStrategy;
  clock: () => Date;
  metrics: SchedulerMetrics;
  logger: SchedulerLogger;
  /** Hands a worker with new plans to the commit pipeline. */
  send: (slot: WorkerSlot) => void;
  /** The instance is planned (true), or its placement was refused (false: a bug, not load). */
  settled: (id: string, planned: boolean) => void;
}

const LOG = 'Scheduler';

/**
 * The placements the leader planned and has not seen committed, and the worker each is on. An
 * admitted instance is planned on its worker's slot at once (so the next decision sees it), as
 * part of the current consolidation window (binpack: the window may re-pack its placements onto
 * fewer workers when it closes; spread never consolidates), and its worker is handed to the commit
 * pipeline when the slice ends (`flush`), so batches grow with the load.
 */
export class PlacementPlans {
  private readonly planned = new Map<string, WorkerSlot>();
  /** Workers with new plans, handed to the pipeline at the end of each slice (bigger batches). */
  private readonly toSend = new Set<WorkerSlot>();
  /** The placements since the last re-pack (none with the spread strategy, which must not consolidate). */
  private readonly window?: ConsolidationWindow;

  constructor(private readonly deps: PlansDependencies) {
    if (consolidates({ strategy: deps.strategy })) {
      this.window = new ConsolidationWindow(() => deps.cache.allSlots());
    }
  }

  /** Placements planned or in flight. */
  get size(): number {
    return this.planned.size;
  }

  has(id: string): boolean {
    return this.planned.has(id);
  }

  /** Committed, dropped or failed: the instance is no longer planned. */
  release(id: string): void {
    this.planned.delete(id);
  }

  /** A round begins: workers that emptied meanwhile leave the window's candidates. */
  startRound(): void {
    this.window?.forgetEmptyWorkers();
  }

  /** Plans an admitted instance where the placer put it, as part of the current window. */
  admit(entry: PendingInstance, workerId: string): void {
    const slot = this.deps.cache.slot(workerId);
    if (!this.window || !slot) {
      this.plan(entry, workerId);
      return;
    }
    this.window.beforePlanning(slot);
    if (!this.plan(entry, workerId)) return;
    this.window.planned(entry, slot);
    if (this.window.size >= CONSOLIDATION_WINDOW) this.closeWindow();
  }

  /** Closes the window and hands the new plans to the pipeline (before the loop yields or a round ends). */
  flush(): void {
    this.closeWindow();
    for (const slot of this.toSend) this.deps.send(slot);
    this.toSend.clear();
  }

  /**
   * Closes the window; when it re-packs onto fewer workers, its plans are taken back from their
   * slots and planned again (in queue order, so ports stay lowest free first) on the new workers.
   */
  private closeWindow(): void {
    const repack = this.window?.close();
    if (!repack) return;
    for (const [slot, mark] of repack.marks) {
      for (const { instance } of slot.withdrawTo(mark))
        this.planned.delete(instance.value.id);
      this.deps.cache.touched(slot);
    }
    for (const { entry, workerId } of repack.moves) this.plan(entry, workerId);
    const { queueOrder, consolidated } = repack.consolidation.workersInUse;
    this.deps.metrics.workersSaved.inc(queueOrder - consolidated);
    this.deps.logger.debug?.(
      `consolidated ${repack.moves.length} placements onto ${consolidated} workers instead of ${queueOrder} (${repack.consolidation.method})`,
      LOG,
    );
  }

  /** Plans the instance on the worker (what the next decision sees); false when it was refused. */
  private plan(entry: PendingInstance, workerId: string): boolean {
    const slot = this.deps.cache.slot(workerId);
    const target = slot?.view();
    if (!slot || !target) return false;
    const id = entry.record.value.id;
    try {
      const change = scheduleInstance(
        entry.record.value,
        {
          worker: target.worker,
          capacity: target.capacity,
          ports: target.ports,
        },
        { now: this.deps.clock().toISOString(), triggeredBy: SCHEDULER_SOURCE },
      );
      slot.plan({ instance: entry.record, change });
    } catch (error) {
      // placeInstance reserved exactly what scheduleInstance does; a refusal here is a bug, not load.
      this.deps.logger.error(
        `instance ${id}: placement on ${workerId} refused: ${error instanceof Error ? error.message : String(error)}`,
        LOG,
      );
      this.deps.settled(id, false);
      return false;
    }
    this.deps.cache.touched(slot);
    this.planned.set(id, slot);
    this.deps.settled(id, true);
    this.toSend.add(slot);
    return true;
  }
}
