import { InstanceChange, LabletInstance, NotFound, parseInstanceRecord } from '@lcm/domain';
import { KeyLayout } from '../keys/key-layout';
import { StoreObserver } from '../observability/store-observer';
import { KeyValue, StateStore } from '../port/state-store';
import { RecordCodec, Versioned } from './record-codec';
import { CommitOptions, ExpectedRevision, RecordWrite, StateCommitter } from './state-committer';

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

/**
 * LabletInstance records in etcd (`/lcm/instances/{id}/state` and `/worker`). Every write is a domain
 * transition committed through StateCommitter with its events, its expected revisions and the writer's fence.
 */
export class InstanceStore {
  private readonly codec: RecordCodec<LabletInstance>;
  private readonly committer: StateCommitter;

  constructor(private readonly store: StateStore, readonly keys: KeyLayout, observer?: StoreObserver) {
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
  async list(): Promise<{ items: Versioned<LabletInstance>[]; revision: number }> {
    const { kvs, revision } = await this.store.list(this.keys.instancesPrefix);
    return { items: kvs.flatMap((kv) => this.decodeKey(kv) ?? []), revision };
  }

  /** Decodes a watched or listed key when it is an instance record; undefined for other keys. */
  decodeKey(kv: KeyValue): Versioned<LabletInstance> | undefined {
    const parsed = this.keys.parse(kv.key);
    return parsed?.kind === 'instance' && parsed.part === 'state' ? this.codec.decode(kv) : undefined;
  }

  /**
   * Commits an instance transition: the instance record, the worker's capacity and ports records
   * when the change touched them, the `/worker` key (set when placed, removed when terminated), and
   * the change's events, in one transaction.
   */
  async commit(change: InstanceChange, expected: InstanceExpectations, options: CommitOptions): Promise<{ revision: number }> {
    const { instance } = change;
    const writes: RecordWrite[] = [{ key: this.keys.instance(instance.id), value: instance, expected: expected.instance }];
    if (instance.state === 'scheduled' && instance.workerId) {
      writes.push({ key: this.keys.instance(instance.id, 'worker'), value: instance.workerId, expected: 'any' });
    }
    if (instance.state === 'terminated') {
      writes.push({ key: this.keys.instance(instance.id, 'worker'), value: null, expected: 'any' });
    }
    const workerId = instance.workerId;
    if ((change.capacity || change.ports) && !workerId) throw new Error(`instance ${instance.id} changed worker resources without a worker`);
    if (change.capacity && workerId) writes.push({ key: this.keys.worker(workerId, 'capacity'), value: change.capacity, expected: expected.capacity ?? 'any' });
    if (change.ports && workerId) writes.push({ key: this.keys.worker(workerId, 'ports'), value: change.ports, expected: expected.ports ?? 'any' });
    const conditions = [...(options.conditions ?? [])];
    if (expected.workerState !== undefined && workerId) conditions.push({ key: this.keys.worker(workerId, 'state'), expected: expected.workerState });
    return this.committer.commit(writes, { ...options, conditions });
  }

  /** Removes a terminated instance's keys after its retention period (its history is the audit trail). */
  async remove(id: string, expectedRevision: number, options: Omit<CommitOptions, 'events'> = {}): Promise<void> {
    await this.committer.commit(
      [
        { key: this.keys.instance(id), value: null, expected: expectedRevision },
        { key: this.keys.instance(id, 'worker'), value: null, expected: 'any' },
      ],
      { ...options, events: [] },
    );
  }
}
