import {
  NotFound,
  parseCapacityRecord,
  parseWorkerPorts,
  parseWorkerRecord,
  Worker,
  WorkerCapacityRecord,
  WorkerChange,
  WorkerPorts,
} from '@lcm/domain';
import { KeyLayout } from '../keys/key-layout';
import { StoreObserver } from '../observability/store-observer';
import { KeyValue, StateStore } from '../port/state-store';
import type { WatchCacheOptions } from '../watch/watch-cache';
import { RecordCodec, Versioned } from './record-codec';
import {
  CommitOptions,
  CommitResult,
  ExpectedRevision,
  RecordWrite,
  StateCommitter,
} from './state-committer';

/** A worker's three records, each with its own revision. */
export interface WorkerView {
  worker: Versioned<Worker>;
  capacity: Versioned<WorkerCapacityRecord>;
  ports: Versioned<WorkerPorts>;
}

/** One decoded key of a worker (see WorkerStore.decodePart). */
export type WorkerPart =
  | { part: 'state'; record: Versioned<Worker> }
  | { part: 'capacity'; record: Versioned<WorkerCapacityRecord> }
  | { part: 'ports'; record: Versioned<WorkerPorts> };

export interface WorkerExpectations {
  worker: ExpectedRevision;
  capacity?: ExpectedRevision;
  ports?: ExpectedRevision;
}

/** The secondary indexes a cache of workers can keep (WatchCacheOptions.indexes), by name. */
export const WORKER_INDEXES = {
  state: ({ worker }: WorkerView) => worker.value.state,
  templateName: ({ worker }: WorkerView) => worker.value.templateName,
} satisfies Record<string, (item: WorkerView) => string | null>;

export type WorkerIndex = keyof typeof WORKER_INDEXES;

/** Worker records in etcd: `/lcm/workers/{id}/state`, `/capacity` and `/ports`. */
export class WorkerStore {
  readonly workerCodec: RecordCodec<Worker>;
  readonly capacityCodec: RecordCodec<WorkerCapacityRecord>;
  readonly portsCodec: RecordCodec<WorkerPorts>;
  private readonly committer: StateCommitter;

  constructor(
    private readonly store: StateStore,
    readonly keys: KeyLayout,
    private readonly observer?: StoreObserver,
  ) {
    this.workerCodec = new RecordCodec('worker', parseWorkerRecord, observer);
    this.capacityCodec = new RecordCodec(
      'capacity',
      parseCapacityRecord,
      observer,
    );
    this.portsCodec = new RecordCodec('ports', parseWorkerPorts, observer);
    this.committer = new StateCommitter(store, keys);
  }

  async get(id: string): Promise<WorkerView | undefined> {
    const { kvs } = await this.store.list(`${this.keys.workersPrefix}${id}/`);
    return this.assemble(kvs).get(id);
  }

  async require(id: string): Promise<WorkerView> {
    const found = await this.get(id);
    if (!found) throw new NotFound('worker', id);
    return found;
  }

  /** Every complete, readable worker at one revision. */
  async list(): Promise<{ items: WorkerView[]; revision: number }> {
    const { kvs, revision } = await this.store.list(this.keys.workersPrefix);
    return { items: [...this.assemble(kvs).values()], revision };
  }

  /** Groups a worker prefix's keys into views; a worker missing a record or with a corrupt one is skipped. */
  assemble(kvs: KeyValue[]): Map<string, WorkerView> {
    const parts = new Map<string, WorkerPart[]>();
    for (const kv of kvs) {
      const part = this.decodePart(kv);
      if (!part) continue;
      const id = (this.keys.parse(kv.key) as { id: string }).id;
      const list = parts.get(id) ?? [];
      list.push(part);
      parts.set(id, list);
    }
    const views = new Map<string, WorkerView>();
    for (const [id, list] of parts) {
      const view = this.fromParts(list);
      if (view) views.set(id, view);
    }
    return views;
  }

  /**
   * Decodes one key of a worker prefix into the record it holds (state, capacity or ports);
   * undefined for other keys and corrupt records. A cache keeps these instead of the raw KeyValues.
   */
  decodePart(kv: KeyValue): WorkerPart | undefined {
    const parsed = this.keys.parse(kv.key);
    if (parsed?.kind !== 'worker') return undefined;
    const record =
      parsed.part === 'state'
        ? this.workerCodec.decode(kv)
        : parsed.part === 'capacity'
          ? this.capacityCodec.decode(kv)
          : parsed.part === 'ports'
            ? this.portsCodec.decode(kv)
            : undefined;
    return record ? ({ part: parsed.part, record } as WorkerPart) : undefined;
  }

  /**
   * A WatchCache of the workers (state, capacity and ports records together), by worker id, keeping
   * only the `indexes` named. Each key is kept as its decoded record, not as its JSON text.
   */
  cacheOptions(
    name: string,
    indexes: readonly WorkerIndex[] = [],
  ): WatchCacheOptions<WorkerView, WorkerPart> {
    return {
      name,
      prefix: this.keys.workersPrefix,
      observer: this.observer,
      itemIdOf: (key) => {
        const parsed = this.keys.parse(key);
        return parsed?.kind === 'worker' ? parsed.id : undefined;
      },
      decode: (kv) => this.decodePart(kv),
      build: (_id, parts) => this.fromParts(parts),
      indexes: Object.fromEntries(
        indexes.map((index) => [index, WORKER_INDEXES[index]]),
      ),
    };
  }

  /** A worker's view from its decoded parts; undefined until all three records are there. */
  fromParts(parts: readonly WorkerPart[]): WorkerView | undefined {
    const view: Partial<WorkerView> = {};
    for (const p of parts) {
      if (p.part === 'state') view.worker = p.record;
      else if (p.part === 'capacity') view.capacity = p.record;
      else view.ports = p.record;
    }
    return view.worker && view.capacity && view.ports
      ? (view as WorkerView)
      : undefined;
  }

  /** Commits a worker transition (and, at creation, its capacity and ports records) with its events. */
  async commit(
    change: WorkerChange,
    expected: WorkerExpectations,
    options: CommitOptions,
  ): Promise<CommitResult> {
    const id = change.worker.id;
    const writes: RecordWrite[] = [
      {
        key: this.keys.worker(id),
        value: change.worker,
        expected: expected.worker,
      },
    ];
    if (change.capacity)
      writes.push({
        key: this.keys.worker(id, 'capacity'),
        value: change.capacity,
        expected: expected.capacity ?? 'absent',
      });
    if (change.ports)
      writes.push({
        key: this.keys.worker(id, 'ports'),
        value: change.ports,
        expected: expected.ports ?? 'absent',
      });
    return this.committer.commit(writes, options);
  }

  /** Removes a terminated worker's keys after its retention period. */
  async remove(
    id: string,
    expectedRevision: number,
    options: Omit<CommitOptions, 'events'> = {},
  ): Promise<CommitResult> {
    return this.committer.commit(
      [
        { key: this.keys.worker(id), value: null, expected: expectedRevision },
        { key: this.keys.worker(id, 'capacity'), value: null, expected: 'any' },
        { key: this.keys.worker(id, 'ports'), value: null, expected: 'any' },
      ],
      { ...options, events: [] },
    );
  }
}
