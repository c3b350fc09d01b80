import {
  calendarPageOf,
  InstanceChange,
  isTerminalInstanceState,
  LabletInstance,
  NotFound,
  parseInstanceRecord,
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

/** Revisions the writer read, which must still hold when the change commits. */
export interface InstanceExpectations {
  /** The instance record's revision, or 'absent' when creating it. */
  instance: ExpectedRevision;
  /** The worker's capacity and ports records, when the change writes them. */
  capacity?: ExpectedRevision;
  ports?: ExpectedRevision;
  /** The worker's state record, when the decision depended on it (placement on a running worker). */
  workerState?: ExpectedRevision;
}

/** The worker records a change (or a batch of changes on one worker) was computed from. */
export type WorkerResourceExpectations = Omit<InstanceExpectations, 'instance'>;

/** One change of a batch, with the revision of the instance record it was computed from. */
export interface InstanceBatchEntry {
  change: InstanceChange;
  expected: ExpectedRevision;
}

/** The secondary indexes a cache of instance records can keep (WatchCacheOptions.indexes), by name. */
export const INSTANCE_INDEXES = {
  state: ({ value }: Versioned<LabletInstance>) => value.state,
  ownerId: ({ value }: Versioned<LabletInstance>) => value.ownerId,
  definitionId: ({ value }: Versioned<LabletInstance>) => value.definitionId,
  workerId: ({ value }: Versioned<LabletInstance>) => value.workerId,
  /** The booking calendar's page of a live instance's slot (calendarPagesOverlapping finds it). */
  calendarPage: ({ value }: Versioned<LabletInstance>) =>
    calendarPageOf(
      { start: value.timeslotStart, end: value.timeslotEnd },
      isTerminalInstanceState(value.state),
    ),
} satisfies Record<string, (item: Versioned<LabletInstance>) => string | null>;

export type InstanceIndex = keyof typeof INSTANCE_INDEXES;

/**
 * LabletInstance records in etcd (`/lcm/instances/{id}/state` and `/worker`). Every write is a domain
 * transition committed through StateCommitter with its events, its expected revisions and the writer's fence.
 */
export class InstanceStore {
  private readonly codec: RecordCodec<LabletInstance>;
  private readonly committer: StateCommitter;

  constructor(
    private readonly store: StateStore,
    readonly keys: KeyLayout,
    private readonly observer?: StoreObserver,
  ) {
    this.codec = new RecordCodec('instance', parseInstanceRecord, observer);
    this.committer = new StateCommitter(store, keys);
  }

  async get(id: string): Promise<Versioned<LabletInstance> | undefined> {
    const kv = await this.store.get(this.keys.instance(id));
    return kv ? this.codec.decode(kv) : undefined;
  }

  async require(id: string): Promise<Versioned<LabletInstance>> {
    const found = await this.get(id);
    if (!found) throw new NotFound('instance', id);
    return found;
  }

  /** Every readable instance record at one revision (corrupt ones skipped and counted). */
  async list(): Promise<{
    items: Versioned<LabletInstance>[];
    revision: number;
  }> {
    const { kvs, revision } = await this.store.list(this.keys.instancesPrefix);
    return { items: kvs.flatMap((kv) => this.decodeKey(kv) ?? []), revision };
  }

  /** Decodes a watched or listed key when it is an instance record; undefined for other keys. */
  decodeKey(kv: KeyValue): Versioned<LabletInstance> | undefined {
    const parsed = this.keys.parse(kv.key);
    return parsed?.kind === 'instance' && parsed.part === 'state'
      ? this.codec.decode(kv)
      : undefined;
  }

  /**
   * A WatchCache of the instance records, by instance id, keeping only the `indexes` named (each
   * costs a map entry per instance). Only each instance's state key is kept, parsed: the record is
   * held once, not also as its JSON text, and its other keys (`/worker`) decode to nothing.
   */
  cacheOptions(
    name: string,
    indexes: readonly InstanceIndex[] = [],
  ): WatchCacheOptions<Versioned<LabletInstance>, Versioned<LabletInstance>> {
    return {
      name,
      prefix: this.keys.instancesPrefix,
      observer: this.observer,
      itemIdOf: (key) => {
        const parsed = this.keys.parse(key);
        return parsed?.kind === 'instance' ? parsed.id : undefined;
      },
      decode: (kv) => this.decodeKey(kv),
      build: (_id, [state]) => state,
      indexes: Object.fromEntries(
        indexes.map((index) => [index, INSTANCE_INDEXES[index]]),
      ),
    };
  }

  /**
   * Commits an instance transition: the instance record, the worker's capacity and ports records
   * when the change touched them, the `/worker` key (set when placed, removed when terminated), and
   * the change's events, in one transaction.
   */
  async commit(
    change: InstanceChange,
    expected: InstanceExpectations,
    options: CommitOptions,
  ): Promise<CommitResult> {
    const { instance, ...worker } = expected;
    return this.commitBatch([{ change, expected: instance }], worker, options);
  }

  /**
   * Commits several instance transitions in ONE transaction (the scheduler's placements on one
   * worker): each one's records exactly as `commit` writes them, each instance record compared on
   * the revision its change was computed from. The changes that touch worker resources share one
   * worker and were computed one after the other, so the worker's capacity and ports records are
   * written once, as the last such change left them, and compared on the revisions the first one
   * was computed from (`worker`). A batch of one is exactly `commit`.
   */
  async commitBatch(
    entries: readonly InstanceBatchEntry[],
    worker: WorkerResourceExpectations,
    options: CommitOptions,
  ): Promise<CommitResult> {
    if (entries.length === 0)
      throw new Error('an instance batch needs at least one change');
    const writes: RecordWrite[] = [];
    let capacity: InstanceChange['capacity'];
    let ports: InstanceChange['ports'];
    const workerIds = new Set<string>();
    for (const { change, expected } of entries) {
      const { instance } = change;
      writes.push({
        key: this.keys.instance(instance.id),
        value: instance,
        expected,
      });
      if (instance.state === 'scheduled' && instance.workerId) {
        writes.push({
          key: this.keys.instance(instance.id, 'worker'),
          value: instance.workerId,
          expected: 'any',
        });
      }
      if (instance.state === 'terminated') {
        writes.push({
          key: this.keys.instance(instance.id, 'worker'),
          value: null,
          expected: 'any',
        });
      }
      if ((change.capacity || change.ports) && !instance.workerId)
        throw new Error(
          `instance ${instance.id} changed worker resources without a worker`,
        );
      if (instance.workerId) workerIds.add(instance.workerId);
      if (change.capacity) capacity = change.capacity;
      if (change.ports) ports = change.ports;
    }
    const touchesWorker =
      capacity !== undefined ||
      ports !== undefined ||
      worker.workerState !== undefined;
    if (touchesWorker && workerIds.size > 1)
      throw new Error(
        `an instance batch touches one worker's records, not ${[...workerIds].join(', ')}`,
      );
    const [workerId] = workerIds;
    if (capacity && workerId)
      writes.push({
        key: this.keys.worker(workerId, 'capacity'),
        value: capacity,
        expected: worker.capacity ?? 'any',
      });
    if (ports && workerId)
      writes.push({
        key: this.keys.worker(workerId, 'ports'),
        value: ports,
        expected: worker.ports ?? 'any',
      });
    const conditions = [...(options.conditions ?? [])];
    if (worker.workerState !== undefined && workerId)
      conditions.push({
        key: this.keys.worker(workerId, 'state'),
        expected: worker.workerState,
      });
    return this.committer.commit(writes, { ...options, conditions });
  }

  /** Removes a terminated instance's keys after its retention period (its history is the audit trail). */
  async remove(
    id: string,
    expectedRevision: number,
    options: Omit<CommitOptions, 'events'> = {},
  ): Promise<CommitResult> {
    return this.committer.commit(
      [
        {
          key: this.keys.instance(id),
          value: null,
          expected: expectedRevision,
        },
        { key: this.keys.instance(id, 'worker'), value: null, expected: 'any' },
      ],
      { ...options, events: [] },
    );
  }
}
