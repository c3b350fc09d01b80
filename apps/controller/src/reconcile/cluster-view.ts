import {
  isTerminalInstanceState,
  type LabletInstance,
  type WorkerResources,
} from '@lcm/domain';
import type { WorkerView as SchedulingWorkerView } from '@lcm/scheduling';
import {
  InstanceStore,
  WatchCache,
  WorkerStore,
  type CacheView,
  type CommitResult,
  type ItemChange,
  type KeyLayout,
  type StateStore,
  type StoreObserver,
  type Versioned,
  type WorkerPart,
  type WorkerView,
} from '@lcm/state-store';
import { RecordSharing } from './record-sharing';

/** Read access to one kind of record of the view, by id (a Map's read side). */
export interface RecordLookup<T> {
  get(id: string): T | undefined;
  has(id: string): boolean;
  values(): IterableIterator<T>;
  keys(): IterableIterator<string>;
  readonly size: number;
}

/** What changed in the picture: the records whose reconcile may now decide differently. */
export interface ClusterChange {
  instances: ItemChange<Versioned<LabletInstance>>[];
  workers: ItemChange<WorkerView>[];
  /** A re-list (start, or a compacted watch): everything may have changed. */
  relisted: boolean;
}

/**
 * The controller's picture of the cluster: every instance and worker with the revision to compare
 * when writing it back, kept by two list-and-watch caches (libs/state-store WatchCache: list at R,
 * watch from R + 1, one revision's events applied together, a compacted watch re-listed) on the
 * instances and workers prefixes, so a pass reads nothing from the store. Every commit of the
 * controller is applied to it at once (`committed`, never going backwards in revision), so later
 * steps (the autoscaler after the instance reconciler) decide on what is now true, not on what was
 * read, and the echo of the commit is no news. Started when the replica leads, stopped when it
 * steps down (a standby keeps nothing: it acts on nothing, and a new term lists afresh).
 */
export class ClusterView {
  private readonly instanceCache: WatchCache<
    Versioned<LabletInstance>,
    Versioned<LabletInstance>
  >;
  private readonly workerCache: WatchCache<WorkerView, WorkerPart>;
  private readonly listeners = new Set<(change: ClusterChange) => void>();
  /** start/stop in the order they were asked for (a new term's start after the old term's stop). */
  private lifecycle: Promise<void> = Promise.resolve();
  private running = false;
  /** Reads the instance cache as it is when called (see lookup). */
  private readonly instancesLive: CacheView<Versioned<LabletInstance>>;

  readonly instances: RecordLookup<Versioned<LabletInstance>>;
  readonly workers: RecordLookup<WorkerView>;

  constructor(options: {
    store: StateStore;
    keys: KeyLayout;
    /** The record stores (their observer also counts the caches' watches); made on `store` when absent. */
    instances?: InstanceStore;
    workers?: WorkerStore;
    /** Observer of the record stores made here. */
    observer?: StoreObserver;
    /** Names the watches in logs and metrics (default `controller`). */
    name?: string;
  }) {
    const { store, keys, observer } = options;
    const instances =
      options.instances ?? new InstanceStore(store, keys, observer);
    const workers = options.workers ?? new WorkerStore(store, keys, observer);
    const name = options.name ?? 'controller';
    // Instances indexed by worker (instancesOn); the stores name the keys and decode them, and the
    // parts every instance repeats are held once (RecordSharing).
    const instanceOptions = instances.cacheOptions(`${name}:instances`, [
      'workerId',
    ]);
    const sharing = new RecordSharing();
    this.instanceCache = new WatchCache(store, {
      ...instanceOptions,
      decode: (kv) => {
        const decoded = instanceOptions.decode?.(kv);
        if (decoded) sharing.instance(decoded.value);
        return decoded;
      },
    });
    this.workerCache = new WatchCache(
      store,
      workers.cacheOptions(`${name}:workers`),
    );
    this.instancesLive = this.instanceCache.peek();
    this.instances = lookup(this.instanceCache);
    this.workers = lookup(this.workerCache);
    this.instanceCache.subscribe((changes, source) =>
      this.emit({
        instances: [...changes],
        workers: [],
        relisted: source === 'snapshot',
      }),
    );
    this.workerCache.subscribe((changes, source) =>
      this.emit({
        instances: [],
        workers: [...changes],
        relisted: source === 'snapshot',
      }),
    );
  }

  /** Whether the informers run (started and not stopped). */
  get started(): boolean {
    return this.running;
  }

  /** Lists both prefixes and watches them from there (resolves once both are listed). */
  start(): Promise<void> {
    return this.serially(async () => {
      if (this.running) return;
      this.running = true;
      try {
        await Promise.all([
          this.instanceCache.start(),
          this.workerCache.start(),
        ]);
      } catch (error) {
        this.running = false;
        await this.halt();
        throw error;
      }
    });
  }

  /** Stops the watches and forgets the picture. */
  stop(): Promise<void> {
    return this.serially(async () => {
      this.running = false;
      await this.halt();
    });
  }

  /**
   * Starts the informers if needed and waits until they have seen every write acknowledged before
   * the call (one store-revision read; see WatchCache.read). The two informers follow their prefixes
   * apart, so a decision that starts or stops capacity (the autoscaler) syncs first; otherwise passes
   * follow the watches. Also for callers that drive passes by hand (tests, the bench).
   */
  async synced(): Promise<void> {
    await this.start();
    await Promise.all([this.instanceCache.read(), this.workerCache.read()]);
  }

  /** Calls `listener` after every change (watch, re-list, own commit); returns the unsubscribe. */
  onChange(listener: (change: ClusterChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A commit of the controller (instance or worker records, or their removal): applied at once. */
  committed(result: CommitResult): void {
    this.instanceCache.applyCommitted(result);
    this.workerCache.applyCommitted(result);
  }

  instanceList(): LabletInstance[] {
    return [...this.instances.values()].map((v) => v.value);
  }

  /** Instances still on the worker (not terminated). */
  liveInstancesOn(workerId: string): LabletInstance[] {
    return this.instancesOn(workerId).filter(
      (i) => !isTerminalInstanceState(i.state),
    );
  }

  /** Every instance record naming the worker (any state). */
  instancesOn(workerId: string): LabletInstance[] {
    return [...this.instanceCache.peek().byIndex('workerId', workerId)].map(
      (v) => v.value,
    );
  }

  /** The worker's capacity and ports records, to release or reserve against. */
  resourcesOf(workerId: string | null): WorkerResources | undefined {
    const view = workerId === null ? undefined : this.workers.get(workerId);
    return view
      ? { capacity: view.capacity.value, ports: view.ports.value }
      : undefined;
  }

  /** What @lcm/scheduling takes: records without revisions. */
  schedulingViews(): SchedulingWorkerView[] {
    return [...this.workers.values()].map((v) => ({
      worker: v.worker.value,
      capacity: v.capacity.value,
      ports: v.ports.value,
    }));
  }

  private emit(change: ClusterChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private async halt(): Promise<void> {
    await Promise.all([
      this.instanceCache.stop().catch(() => undefined),
      this.workerCache.stop().catch(() => undefined),
    ]);
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.lifecycle.then(step);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }
}

/** A Map's read side over what a watch cache holds now (no store call). */
function lookup<T, P>(cache: WatchCache<T, P>): RecordLookup<T> {
  // A cache view reads the cache's own maps, which live as long as the cache: one serves every
  // lookup (only its size is a copy, so that is asked for afresh).
  const live = cache.peek();
  return {
    get: (id) => live.get(id),
    has: (id) => live.get(id) !== undefined,
    values: () => live.all(),
    keys: () => live.ids(),
    get size() {
      return cache.peek().size;
    },
  };
}
