import { licenseRefusal } from '@lcm/domain';
import {
  consolidatePlacements,
  DEFAULT_CONSOLIDATION_EXACT_LIMIT,
  isWorkerInUse,
  type Consolidation,
  type WorkerView,
} from '@lcm/scheduling';
import type { PendingInstance } from '../cache/scheduler-cache';
import type { PlanMark, WorkerSlot } from '../cache/worker-slot';

/** Placements per window: small enough for the library's exact re-pack, and for its cost to stay flat. */
export const CONSOLIDATION_WINDOW = DEFAULT_CONSOLIDATION_EXACT_LIMIT;

/** A window re-packed onto fewer workers: where each of its placements goes instead. */
export interface WindowRepack {
  consolidation: Consolidation;
  /** The window's instances in queue order, each with its new worker. */
  moves: { entry: PendingInstance; workerId: string }[];
  /** Every slot the window planned on, with the state to return it to before the moves are planned. */
  marks: ReadonlyMap<WorkerSlot, PlanMark>;
}

/** Empty workers gathered by shape; `truncated` when a shape had more than were kept. */
interface EmptyPool {
  byShape: Map<string, WorkerSlot[]>;
  truncated: Set<string>;
}

/** Empty workers kept per shape: what one window can open, and as many again for later windows. */
const POOL_PER_SHAPE = 2 * CONSOLIDATION_WINDOW;

/** Views are immutable and an empty worker's view outlives many windows: its shape is worked out once. */
const shapes = new WeakMap<WorkerView, string>();

/**
 * What placement reads of an empty worker: its state and cordon, licence and AMI (filters), its
 * declared capacity and port range (room). Empty workers alike in all of it differ only in
 * identity, so a window never needs more of one shape than it has placements.
 */
function shapeOf(view: WorkerView): string {
  let shape = shapes.get(view);
  if (shape === undefined) {
    const { worker, capacity } = view;
    const { cpuCores, memoryGb, storageGb, maxNodes } = capacity.declared;
    // The licence as placement reads it: the template's type, and whether the engine's runs labs.
    shape = `${worker.state}|${worker.cordoned}|${worker.licenseType}|${licenseRefusal(worker)}|${worker.amiName}|${cpuCores}|${memoryGb}|${storageGb}|${maxNodes}|${worker.portRange.end - worker.portRange.start}`;
    shapes.set(view, shape);
  }
  return shape;
}

/**
 * The batch placement of `placeBatch` (libs/scheduling), cut into windows so its cost stays flat
 * over a 10,000-instance pass. Admission stays one at a time in queue order (the CachedPlacer
 * picks exactly what `placeInstance` picks) and each placement is planned on its slot at once, so
 * the next decision sees it. When the window closes, `consolidatePlacements` may re-pack its
 * placements onto fewer workers: the candidates are the workers the window touched, as they were
 * before it, and empty workers (up to the window's size of each shape). Only a worker the window
 * opened can be saved, so a window that opened none (most of them, as workers fill one after
 * another) costs nothing more.
 *
 * A window must close within the synchronous step that filled it: its plans are withdrawn from
 * the slots, which is only sound while none of them was sent and no record changed meanwhile.
 */
export class ConsolidationWindow {
  private placements: { entry: PendingInstance; slot: WorkerSlot }[] = [];
  /** Each touched slot's planned state before the window's first placement on it. */
  private marks = new Map<WorkerSlot, PlanMark>();
  /**
   * Empty workers, gathered once per round (again when a shape runs out) and checked again at
   * use: a worker in use since, or gone, is skipped, so a stale pool only misses a candidate.
   */
  private pool?: EmptyPool;

  constructor(private readonly slots: () => Iterable<WorkerSlot>) {}

  get size(): number {
    return this.placements.length;
  }

  /** A new round: workers may have appeared or emptied since; gather the empty ones again when next needed. */
  forgetEmptyWorkers(): void {
    this.pool = undefined;
  }

  /** Call before planning on `slot`: remembers the slot's state the first time in this window. */
  beforePlanning(slot: WorkerSlot): void {
    if (this.marks.has(slot)) return;
    const mark = slot.mark();
    if (mark) this.marks.set(slot, mark);
  }

  /** The instance was planned on `slot` (in queue order). */
  planned(entry: PendingInstance, slot: WorkerSlot): void {
    this.placements.push({ entry, slot });
  }

  /** Ends the window: a re-pack onto strictly fewer workers, or undefined to keep the plans as they are. */
  close(): WindowRepack | undefined {
    const placements = this.placements;
    const marks = this.marks;
    this.placements = [];
    this.marks = new Map();
    if (placements.length === 0) return undefined;
    const before = [...marks.values()].map((mark) => mark.view);
    if (before.every(isWorkerInUse)) return undefined;
    const touched = new Set(before.map((view) => view.worker.id));
    const consolidation = consolidatePlacements(
      placements.map(({ entry, slot }) => ({
        request: entry.record.value,
        workerId: slot.id,
      })),
      [...before, ...this.emptyWorkers(touched)],
    );
    if (!consolidation) return undefined;
    return {
      consolidation,
      marks,
      moves: placements.map(({ entry }, i) => ({
        entry,
        workerId: consolidation.workerIds[i],
      })),
    };
  }

  /** Up to a window's size of empty workers of each shape, not counting the touched ones. */
  private emptyWorkers(
    touched: ReadonlySet<string>,
    gatheredAfresh = false,
  ): WorkerView[] {
    this.pool ??= this.gather();
    const out: WorkerView[] = [];
    let exhausted = false;
    for (const [shape, slots] of this.pool.byShape) {
      let taken = 0;
      for (const slot of slots) {
        if (taken === CONSOLIDATION_WINDOW) break;
        const view = touched.has(slot.id) ? undefined : slot.view();
        if (!view || isWorkerInUse(view)) continue;
        out.push(view);
        taken++;
      }
      if (taken < CONSOLIDATION_WINDOW && this.pool.truncated.has(shape))
        exhausted = true;
    }
    if (!exhausted || gatheredAfresh) return out;
    // Earlier windows opened the kept ones of a shape that has more: gather afresh (once).
    this.pool = this.gather();
    return this.emptyWorkers(touched, true);
  }

  private gather(): EmptyPool {
    const pool: EmptyPool = { byShape: new Map(), truncated: new Set() };
    for (const slot of this.slots()) {
      const view = slot.view();
      if (!view || isWorkerInUse(view)) continue;
      const shape = shapeOf(view);
      const slots = pool.byShape.get(shape) ?? [];
      if (slots.length === POOL_PER_SHAPE) {
        pool.truncated.add(shape);
        continue;
      }
      slots.push(slot);
      pool.byShape.set(shape, slots);
    }
    return pool;
  }
}
