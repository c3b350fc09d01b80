import type {
  InstanceChange,
  LabletInstance,
  Worker,
  WorkerCapacityRecord,
  WorkerPorts,
} from '@lcm/domain';
import type { Versioned } from '@lcm/state-store';
import type { WorkerView } from '@lcm/scheduling';

/** A placement decided against the view and not committed yet. */
export interface PlannedPlacement {
  /** The pending record the change was computed from (its revision is compared at commit). */
  instance: Versioned<LabletInstance>;
  /** `scheduleInstance`'s result: the scheduled record, the worker's capacity and ports after it, the event. */
  change: InstanceChange;
}

/** The revisions of the worker's three records that a transaction compares. */
export interface WorkerRevisions {
  worker: number;
  capacity: number;
  ports: number;
}

/** Placements on one worker sent together, and the revisions their first change was computed from. */
export interface WorkerBatch {
  workerId: string;
  base: WorkerRevisions;
  placements: PlannedPlacement[];
}

/** A slot's planned state at one moment, to return to with `withdrawTo`. */
export interface PlanMark {
  /** The view placement saw then (the worker as it was before the plans made after the mark). */
  view: WorkerView;
  queued: number;
  plannedCapacity?: WorkerCapacityRecord;
  plannedPorts?: WorkerPorts;
  nextBase?: WorkerRevisions;
}

export type WorkerPart = 'state' | 'capacity' | 'ports';

export type WorkerRecordValue = Worker | WorkerCapacityRecord | WorkerPorts;

/** A watched (or re-read) value of one of the worker's records. */
export interface WorkerRecordUpdate {
  part: WorkerPart;
  revision: number;
  /**
   * The record (undefined: deleted), decoded only if the update is applied: the echo of our own
   * commit, which is most of what the watch brings, is never parsed.
   */
  value: () => WorkerRecordValue | undefined;
}

/**
 * One worker as the leader sees it: the records last confirmed by the store (each only ever moves to
 * a newer revision), and the placements planned on top of them that are not committed yet.
 *
 * Safety does not depend on this bookkeeping: every batch compares the revisions its first change was
 * computed from, so a stale plan fails with a Conflict instead of overwriting someone else's change.
 * The bookkeeping keeps such conflicts rare: a change made by anyone else drops the plans built on
 * the old records (they are re-evaluated), and the echo of our own commit is told apart from it.
 */
export class WorkerSlot {
  worker?: Versioned<Worker>;
  capacity?: Versioned<WorkerCapacityRecord>;
  ports?: Versioned<WorkerPorts>;

  /** Capacity and ports after every planned placement (what the next decision must see). */
  private plannedCapacity?: WorkerCapacityRecord;
  private plannedPorts?: WorkerPorts;
  /** Planned, not sent yet, in decision order. */
  queued: PlannedPlacement[] = [];
  inFlight?: WorkerBatch;
  /** Base revisions for the head of `queued`; unknown while a batch is in flight (its result decides). */
  private nextBase?: WorkerRevisions;
  /** Updates that arrived while a batch was in flight: settled once its outcome is known. */
  private deferred: WorkerRecordUpdate[] = [];
  /** The scheduling view of this worker with the planned state; rebuilt when something changes. */
  private cachedView?: WorkerView;
  /** A batch failed: nothing is sent until the records were re-read (`refreshed`). */
  stale = false;

  constructor(readonly id: string) {}

  isComplete(): boolean {
    return (
      this.worker !== undefined &&
      this.capacity !== undefined &&
      this.ports !== undefined
    );
  }

  /** What placement sees: the worker with every planned placement already reserved. */
  view(): WorkerView | undefined {
    if (!this.worker || !this.capacity || !this.ports) return undefined;
    this.cachedView ??= {
      worker: this.worker.value,
      capacity: this.plannedCapacity ?? this.capacity.value,
      ports: this.plannedPorts ?? this.ports.value,
    };
    return this.cachedView;
  }

  confirmedRevisions(): WorkerRevisions | undefined {
    if (!this.worker || !this.capacity || !this.ports) return undefined;
    return {
      worker: this.worker.revision,
      capacity: this.capacity.revision,
      ports: this.ports.revision,
    };
  }

  hasPlans(): boolean {
    return this.queued.length > 0 || this.inFlight !== undefined;
  }

  /** Adds a placement decided against `view()`; its change carries the worker's next capacity and ports. */
  plan(placement: PlannedPlacement): void {
    if (!this.hasPlans()) this.nextBase = this.confirmedRevisions();
    this.queued.push(placement);
    this.plannedCapacity = placement.change.capacity;
    this.plannedPorts = placement.change.ports;
    this.cachedView = undefined;
  }

  /** The planned state now, for `withdrawTo`; undefined while the worker's records are incomplete. */
  mark(): PlanMark | undefined {
    const view = this.view();
    if (!view) return undefined;
    return {
      view,
      queued: this.queued.length,
      plannedCapacity: this.plannedCapacity,
      plannedPorts: this.plannedPorts,
      nextBase: this.nextBase,
    };
  }

  /**
   * Takes back the placements planned since `mark` and returns them, leaving the slot exactly as it
   * was then. Only for plans made in the same synchronous step (none sent, no record changed since):
   * the scheduler re-packs a window of its own decisions before anything else can see them.
   */
  withdrawTo(mark: PlanMark): PlannedPlacement[] {
    if (this.queued.length < mark.queued)
      throw new Error(
        `worker ${this.id}: cannot withdraw to a mark of ${mark.queued} queued placements, ${this.queued.length} left`,
      );
    const withdrawn = this.queued.splice(mark.queued);
    this.plannedCapacity = mark.plannedCapacity;
    this.plannedPorts = mark.plannedPorts;
    this.nextBase = mark.nextBase;
    this.cachedView = mark.view;
    return withdrawn;
  }

  /** Takes up to `max` queued placements as the next batch, when none is in flight. */
  takeBatch(max: number): WorkerBatch | undefined {
    if (
      this.inFlight ||
      this.stale ||
      this.queued.length === 0 ||
      !this.nextBase
    )
      return undefined;
    const batch: WorkerBatch = {
      workerId: this.id,
      base: this.nextBase,
      placements: this.queued.splice(0, max),
    };
    this.inFlight = batch;
    this.nextBase = undefined;
    return batch;
  }

  /**
   * The in-flight batch committed at `revision`: its capacity and ports are confirmed there (unless
   * something newer is already known). Returns the placements to re-evaluate: the queued ones, when
   * a change by someone else arrived meanwhile.
   */
  committed(revision: number): PlannedPlacement[] {
    const batch = this.inFlight;
    if (!batch) return [];
    this.inFlight = undefined;
    const last = batch.placements[batch.placements.length - 1].change;
    if (last.capacity && this.capacity && revision > this.capacity.revision)
      this.capacity = { value: last.capacity, revision };
    if (last.ports && this.ports && revision > this.ports.revision)
      this.ports = { value: last.ports, revision };
    this.nextBase = this.worker
      ? { worker: this.worker.revision, capacity: revision, ports: revision }
      : undefined;
    // Our own commit's echo carries exactly `revision`: not a change by anyone else.
    const external = this.deferred.filter((u) => u.revision !== revision);
    this.deferred = [];
    let invalidated = false;
    for (const update of external)
      invalidated = this.applyConfirmed(update) || invalidated;
    return invalidated ? this.dropPlans() : [];
  }

  /** The in-flight batch failed (conflict, fence, unknown outcome): it and everything after it are re-evaluated. */
  failed(): PlannedPlacement[] {
    const batch = this.inFlight;
    this.inFlight = undefined;
    this.stale = true;
    for (const update of this.deferred.splice(0)) this.applyConfirmed(update);
    return [...(batch?.placements ?? []), ...this.dropPlans()];
  }

  /** The records as just re-read after a failure; returns the plans they made stale. */
  refreshed(updates: WorkerRecordUpdate[]): PlannedPlacement[] {
    this.stale = false;
    if (this.inFlight) {
      this.deferred.push(...updates);
      return [];
    }
    let changed = false;
    for (const update of updates)
      changed = this.applyConfirmed(update) || changed;
    return changed && this.queued.length > 0 ? this.dropPlans() : [];
  }

  /**
   * A record from the watch or a re-read. Returns the planned placements it made stale (to be
   * re-evaluated); while a batch is in flight the update waits for the batch's outcome.
   */
  update(update: WorkerRecordUpdate): PlannedPlacement[] {
    if (this.inFlight) {
      this.deferred.push(update);
      return [];
    }
    return this.applyConfirmed(update) && this.queued.length > 0
      ? this.dropPlans()
      : [];
  }

  /** Whether a record's change is news that could let a parked instance fit (or change a scale-up decision). */
  static couldHelp(
    part: WorkerPart,
    previous: WorkerRecordValue | undefined,
    next: WorkerRecordValue | undefined,
  ): boolean {
    if (part === 'state' || previous === undefined || next === undefined)
      return true;
    if (part === 'capacity') {
      const before = previous as WorkerCapacityRecord;
      const after = next as WorkerCapacityRecord;
      return (
        Object.keys(
          after.allocated,
        ) as (keyof WorkerCapacityRecord['allocated'])[]
      ).some(
        (d) =>
          after.allocated[d] < before.allocated[d] ||
          after.declared[d] > before.declared[d],
      );
    }
    const after = next as WorkerPorts;
    return Object.keys(previous as WorkerPorts).some(
      (id) => !Object.prototype.hasOwnProperty.call(after, id),
    );
  }

  /** Applies an update if it is newer than what is known; true when it changed a record. */
  private applyConfirmed(update: WorkerRecordUpdate): boolean {
    const current =
      update.part === 'state'
        ? this.worker
        : update.part === 'capacity'
          ? this.capacity
          : this.ports;
    if (current && update.revision <= current.revision) return false;
    const value = update.value();
    const next =
      value === undefined ? undefined : { value, revision: update.revision };
    if (update.part === 'state')
      this.worker = next as Versioned<Worker> | undefined;
    else if (update.part === 'capacity')
      this.capacity = next as Versioned<WorkerCapacityRecord> | undefined;
    else this.ports = next as Versioned<WorkerPorts> | undefined;
    this.cachedView = undefined;
    if (!this.hasPlans()) {
      this.plannedCapacity = undefined;
      this.plannedPorts = undefined;
    }
    return true;
  }

  private dropPlans(): PlannedPlacement[] {
    const dropped = this.queued;
    this.queued = [];
    this.plannedCapacity = undefined;
    this.plannedPorts = undefined;
    this.nextBase = this.confirmedRevisions();
    this.cachedView = undefined;
    return dropped;
  }
}
