import { enteredStateAt, type LabletInstance, type Worker } from '@lcm/domain';
import type { WorkerView } from '@lcm/scheduling';
import type {
  InstanceStore,
  KeyLayout,
  KeyValue,
  Versioned,
  WorkerStore,
} from '@lcm/state-store';
import {
  PlannedPlacement,
  WorkerPart,
  WorkerRecordUpdate,
  WorkerRecordValue,
  WorkerSlot,
} from './worker-slot';

const WORKER_PARTS: readonly WorkerPart[] = ['state', 'capacity', 'ports'];

/** What the cache tells the scheduling loop. */
export interface CacheListener {
  /** A PENDING instance the leader has not evaluated in this form: evaluate it. */
  instancePending(id: string): void;
  /** An instance is no longer pending (placed, terminated, deleted). */
  instanceGone(id: string): void;
  /** A change that could let a parked instance fit, or change a scale-up decision. */
  roomChanged(): void;
  /** Placements planned against records that changed meanwhile: evaluate them again. */
  plansDropped(placements: PlannedPlacement[]): void;
}

export interface PendingInstance {
  record: Versioned<LabletInstance>;
  /** Epoch ms when it entered PENDING (for the PENDING-to-SCHEDULED latency). */
  pendingSince: number;
}

/**
 * The leader's in-memory picture of the cluster, fed by the informers on the instances and workers
 * prefixes (never a full re-read per decision): every worker with its records and planned placements,
 * and the PENDING instances. Each record only ever moves to a newer revision, whatever the source
 * (watch, our own commit's result, a re-read after a conflict), so sources can race harmlessly.
 * kube-scheduler's cache in spirit: planned placements are its "assumed" pods. (Not the
 * controller's ClusterView, which is one pass's snapshot read from the store.)
 */
export class SchedulerCache {
  private readonly slots = new Map<string, WorkerSlot>();
  private readonly pendingInstances = new Map<string, PendingInstance>();
  /** Instances whose record we know is at least at this revision (our commit): older news is ignored. */
  private readonly instanceFloor = new Map<string, number>();
  private viewsCache?: WorkerView[];
  private readonly viewIndex = new Map<string, number>();

  constructor(
    private readonly keys: KeyLayout,
    private readonly instanceStore: InstanceStore,
    private readonly workerStore: WorkerStore,
    private readonly listener: CacheListener,
  ) {}

  // ---- instances ----

  pending(id: string): PendingInstance | undefined {
    return this.pendingInstances.get(id);
  }

  pendingIds(): string[] {
    return [...this.pendingInstances.keys()];
  }

  get pendingCount(): number {
    return this.pendingInstances.size;
  }

  /** The whole instances prefix (start, or re-list after a compaction). */
  instanceSnapshot(kvs: KeyValue[]): void {
    const seen = new Set<string>();
    for (const kv of kvs) {
      const parsed = this.keys.parse(kv.key);
      if (parsed?.kind !== 'instance' || parsed.part !== 'state') continue;
      seen.add(parsed.id);
      this.instanceKey(kv);
    }
    for (const id of [...this.pendingInstances.keys()])
      if (!seen.has(id)) this.dropInstance(id);
  }

  /** One watched or re-read key under the instances prefix. */
  instanceKey(kv: KeyValue, deleted = false): void {
    const parsed = this.keys.parse(kv.key);
    if (parsed?.kind !== 'instance' || parsed.part !== 'state') return;
    const id = parsed.id;
    const floor = this.instanceFloor.get(id);
    if (floor !== undefined) {
      // Older news, or the echo of our own SCHEDULED write (not parsed: we know what it says).
      if (kv.modRevision <= floor) {
        if (kv.modRevision === floor) this.instanceFloor.delete(id);
        return;
      }
      this.instanceFloor.delete(id);
    }
    const current = this.pendingInstances.get(id);
    if (current && kv.modRevision <= current.record.revision) return;
    const record = deleted ? undefined : this.instanceStore.decodeKey(kv);
    if (!record || record.value.state !== 'pending') {
      this.dropInstance(id);
      return;
    }
    this.pendingInstances.set(id, {
      record,
      pendingSince:
        current?.pendingSince ?? Date.parse(enteredStateAt(record.value)),
    });
    // A new pending instance is evaluated; a rewrite of a known one (its pending reason, a request
    // flag) changes nothing placement depends on: the spec is pinned at creation.
    if (!current) this.listener.instancePending(id);
  }

  /** Our commit moved the instance out of pending at `revision`. */
  instanceScheduled(id: string, revision: number): void {
    this.instanceFloor.set(id, revision);
    this.pendingInstances.delete(id);
  }

  /** Our commit rewrote a pending instance (its reason) at `revision`. */
  instanceRewritten(record: Versioned<LabletInstance>): void {
    const current = this.pendingInstances.get(record.value.id);
    if (current && record.revision > current.record.revision)
      this.pendingInstances.set(record.value.id, { ...current, record });
  }

  private dropInstance(id: string): void {
    if (this.pendingInstances.delete(id)) this.listener.instanceGone(id);
  }

  // ---- workers ----

  slot(id: string): WorkerSlot | undefined {
    return this.slots.get(id);
  }

  allSlots(): IterableIterator<WorkerSlot> {
    return this.slots.values();
  }

  /** Every complete worker's record (for scale-up rules: starting workers, limits). */
  workers(): Worker[] {
    const out: Worker[] = [];
    for (const slot of this.slots.values())
      if (slot.worker) out.push(slot.worker.value);
    return out;
  }

  /**
   * What placement looks at: every complete worker with its planned capacity and ports. The array is
   * kept between decisions and patched when one worker changes, not rebuilt per decision.
   */
  workerViews(): WorkerView[] {
    if (!this.viewsCache) {
      this.viewsCache = [];
      this.viewIndex.clear();
      for (const slot of this.slots.values()) {
        const view = slot.view();
        if (!view) continue;
        this.viewIndex.set(slot.id, this.viewsCache.length);
        this.viewsCache.push(view);
      }
    }
    return this.viewsCache;
  }

  /** The planned state of one worker changed (a placement was planned, a batch settled). */
  touched(slot: WorkerSlot): void {
    if (!this.viewsCache) return;
    const view = slot.view();
    const index = this.viewIndex.get(slot.id);
    if (
      view &&
      index !== undefined &&
      this.viewsCache[index]?.worker.id === slot.id
    )
      this.viewsCache[index] = view;
    else this.viewsCache = undefined;
  }

  /** The whole workers prefix (start, or re-list after a compaction). */
  workerSnapshot(kvs: KeyValue[], revision: number): void {
    const seen = new Set<string>();
    for (const kv of kvs) {
      const parsed = this.keys.parse(kv.key);
      if (parsed?.kind !== 'worker') continue;
      seen.add(`${parsed.id}/${parsed.part}`);
      this.workerKey(kv);
    }
    for (const slot of [...this.slots.values()]) {
      for (const part of WORKER_PARTS) {
        if (!seen.has(`${slot.id}/${part}`))
          this.workerUpdate(slot.id, {
            part,
            revision,
            value: () => undefined,
          });
      }
    }
  }

  /** One watched key under the workers prefix (a delete carries the deletion revision). */
  workerKey(kv: KeyValue, deleted = false): void {
    const parsed = this.keys.parse(kv.key);
    if (parsed?.kind !== 'worker') return;
    this.workerUpdate(parsed.id, {
      part: parsed.part,
      revision: kv.modRevision,
      value: () =>
        deleted ? undefined : this.decodeWorkerPart(parsed.part, kv),
    });
  }

  /** A fresh read of one worker's records after a failed batch (`kvs` read at `revision`). */
  workerRefreshed(id: string, kvs: KeyValue[], revision: number): void {
    const slot = this.slots.get(id);
    if (!slot) return;
    const updates: WorkerRecordUpdate[] = WORKER_PARTS.map((part) => {
      const kv = kvs.find((k) => k.key === this.keys.worker(id, part));
      return kv
        ? {
            part,
            revision: kv.modRevision,
            value: () => this.decodeWorkerPart(part, kv),
          }
        : { part, revision, value: () => undefined };
    });
    this.changeSlot(slot, () => slot.refreshed(updates));
  }

  /** The slot's in-flight batch committed at `revision`. */
  batchCommitted(slot: WorkerSlot, revision: number): void {
    this.changeSlot(slot, () => slot.committed(revision));
  }

  /** The slot's in-flight batch failed; returns its placements and the plans queued after them. */
  batchFailed(slot: WorkerSlot): PlannedPlacement[] {
    let failed: PlannedPlacement[] = [];
    this.changeSlot(slot, () => {
      failed = slot.failed();
      return [];
    });
    return failed;
  }

  private workerUpdate(id: string, update: WorkerRecordUpdate): void {
    let slot = this.slots.get(id);
    if (!slot) {
      if (update.value === undefined) return;
      slot = new WorkerSlot(id);
      this.slots.set(id, slot);
    }
    const target = slot;
    this.changeSlot(target, () => target.update(update));
  }

  /** Runs a change on a slot, then tells the loop what it means: plans to redo, room that appeared. */
  private changeSlot(slot: WorkerSlot, change: () => PlannedPlacement[]): void {
    const before = {
      state: slot.worker,
      capacity: slot.capacity,
      ports: slot.ports,
    };
    const dropped = change();
    const after = {
      state: slot.worker,
      capacity: slot.capacity,
      ports: slot.ports,
    };
    const changed = WORKER_PARTS.filter((part) => before[part] !== after[part]);
    if (!slot.worker && !slot.capacity && !slot.ports && !slot.hasPlans())
      this.slots.delete(slot.id);
    // The planned state may have changed even when no record did (a failed batch gives its plans back).
    this.touched(slot);
    if (dropped.length > 0) this.listener.plansDropped(dropped);
    if (
      changed.some((part) =>
        WorkerSlot.couldHelp(part, before[part]?.value, after[part]?.value),
      )
    )
      this.listener.roomChanged();
  }

  private decodeWorkerPart(
    part: WorkerPart,
    kv: KeyValue,
  ): WorkerRecordValue | undefined {
    const codec =
      part === 'state'
        ? this.workerStore.workerCodec
        : part === 'capacity'
          ? this.workerStore.capacityCodec
          : this.workerStore.portsCodec;
    return codec.decode(kv)?.value;
  }
}
