import {
  KeyValue,
  StateStore,
  StoreUnavailableError,
  WatchBatch,
} from '../port/state-store';
import { StoreObserver } from '../observability/store-observer';
import { PrefixInformer } from './prefix-informer';

/**
 * What a watch cache holds: items built from the keys of one prefix, grouped by item id. `P` is what
 * the cache keeps of each key for `build`: the KeyValue itself, or what `decode` makes of it.
 */
export interface WatchCacheOptions<T, P = KeyValue> {
  /** Name used in metrics and logs. */
  name: string;
  prefix: string;
  /** The item a key belongs to (e.g. the instance id of `/lcm/instances/{id}/state`); undefined: not an item's key. */
  itemIdOf(key: string): string | undefined;
  /**
   * What the cache keeps of a key for `build` (default: the KeyValue). Keeping the decoded record
   * lets the raw value go: an item built from one key is then held once (parsed), not also as its
   * JSON text. Undefined: nothing of the key is needed (it still counts as a key of the prefix).
   */
  decode?(kv: KeyValue): P | undefined;
  /** Builds an item from its keys' parts (all of them, in key order); undefined while incomplete or unreadable. */
  build(id: string, parts: readonly P[]): T | undefined;
  /** Secondary indexes: name -> the value an item is filed under (undefined: not filed). */
  indexes?: Record<string, (item: T) => string | null | undefined>;
  observer?: StoreObserver;
  /** How long a read waits for the watch to reach the store's revision before it answers 503 (ms). Default 5000. */
  freshnessTimeoutMs?: number;
}

/** A consistent view of the cache: everything the store held at `revision` (or later), read from memory. */
export interface CacheView<T> {
  readonly revision: number;
  get(id: string): T | undefined;
  /** Every item, in no particular order. */
  all(): Iterable<T>;
  /** The items an index files under `value`. */
  byIndex(index: string, value: string): Iterable<T>;
  readonly size: number;
}

interface Waiter {
  revision: number;
  resolve(): void;
}

/**
 * kube-apiserver's watch cache over one prefix of the StateStore: a PrefixInformer (list at R, watch
 * from R + 1, re-list when the start revision was compacted, one revision's events applied together)
 * keeps items and their indexes in memory. A read is consistent: it first learns the store's current
 * revision (one cheap call) and waits until the cache has seen it, then answers from memory. When
 * the store moved on only outside the prefix, `prefixStatus` (a key count and "written since", no
 * values) proves the cache current without waiting for an event that will not come.
 */
export class WatchCache<T, P = KeyValue> {
  private readonly informer: PrefixInformer;
  /** The keys under the prefix, as of `revision` (their count proves the cache current). */
  private readonly keys = new Set<string>();
  /** What is kept of each item's keys (see `decode`), so that an item is rebuilt from its own keys only. */
  private readonly keysOf = new Map<string, Map<string, P>>();
  private readonly items = new Map<string, T>();
  private readonly indexed = new Map<string, Map<string, Set<string>>>();
  private readonly filedUnder = new Map<string, Map<string, string>>();
  /** Highest revision the cache is known to be current at (watched, or proved by a prefix status). */
  private currentAt = 0;
  private waiters: Waiter[] = [];
  private started = false;
  /** The store-revision call in flight, and the one queued behind it (see storeRevision). */
  private asking?: Promise<number>;
  private askingNext?: Promise<number>;

  constructor(
    private readonly store: StateStore,
    private readonly options: WatchCacheOptions<T, P>,
  ) {
    for (const index of Object.keys(options.indexes ?? {})) {
      this.indexed.set(index, new Map());
      this.filedUnder.set(index, new Map());
    }
    this.informer = new PrefixInformer(
      store,
      options.prefix,
      {
        onSnapshot: (kvs, revision) => this.snapshot(kvs, revision),
        onBatch: (batch) => this.apply(batch),
      },
      { name: options.name, observer: options.observer },
    );
  }

  /** The revision the cache has applied (from its watch). */
  get revision(): number {
    return this.informer.revision;
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
    await this.informer.stop();
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  /** A view at least as new as every write acknowledged before the call (read-your-writes). */
  async read(): Promise<CacheView<T>> {
    if (!this.started)
      throw new StoreUnavailableError(
        `watch cache ${this.options.name} is not started`,
      );
    const storeRevision = await this.storeRevision();
    if (this.current() < storeRevision) await this.catchUp(storeRevision);
    return this.view();
  }

  /**
   * The store's revision as of some moment after the call (what a linearizable read needs), shared
   * between concurrent reads as etcd batches ReadIndex requests: a read joins the call that starts
   * next (never one already in flight, which may predate a write acknowledged to this reader), so
   * under load one call serves every read that arrived while the previous one was out.
   */
  private storeRevision(): Promise<number> {
    if (this.asking === undefined) return this.ask();
    this.askingNext ??= this.asking
      .catch(() => undefined)
      .then(() => {
        this.askingNext = undefined;
        return this.ask();
      });
    return this.askingNext;
  }

  private ask(): Promise<number> {
    const asking = this.store.revision().finally(() => {
      if (this.asking === asking) this.asking = undefined;
    });
    this.asking = asking;
    return asking;
  }

  /** What the cache holds now, without asking the store (for callers that accept staleness). */
  peek(): CacheView<T> {
    return this.view();
  }

  private current(): number {
    return Math.max(this.currentAt, this.informer.revision);
  }

  private async catchUp(storeRevision: number): Promise<void> {
    const seen = this.informer.revision;
    const keyCount = this.keys.size;
    const status = await this.store.prefixStatus(this.options.prefix, seen);
    if (this.current() >= storeRevision) return;
    // Nothing under the prefix changed between what the cache saw and the status's revision.
    if (
      this.informer.revision === seen &&
      status.count === keyCount &&
      !status.writtenAfter
    ) {
      this.currentAt = Math.max(this.currentAt, status.revision);
      return;
    }
    await this.waitFor(storeRevision);
  }

  private waitFor(revision: number): Promise<void> {
    const timeoutMs = this.options.freshnessTimeoutMs ?? 5000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new StoreUnavailableError(
            `watch cache ${this.options.name} did not reach revision ${revision} within ${timeoutMs} ms (at ${this.current()})`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  private release(): void {
    const revision = this.current();
    if (!this.waiters.some((w) => w.revision <= revision)) return;
    const ready = this.waiters.filter((w) => w.revision <= revision);
    this.waiters = this.waiters.filter((w) => w.revision > revision);
    for (const waiter of ready) waiter.resolve();
  }

  private snapshot(kvs: KeyValue[], revision: number): void {
    this.keys.clear();
    this.keysOf.clear();
    this.items.clear();
    for (const map of this.indexed.values()) map.clear();
    for (const map of this.filedUnder.values()) map.clear();
    const ids = new Set<string>();
    for (const kv of kvs) {
      this.keys.add(kv.key);
      const id = this.file(kv.key, kv);
      if (id !== undefined) ids.add(id);
    }
    for (const id of ids) this.rebuild(id);
    this.currentAt = Math.max(this.currentAt, revision);
    this.release();
  }

  private apply(batch: WatchBatch): void {
    const ids = new Set<string>();
    for (const event of batch.events) {
      if (event.type === 'delete') this.keys.delete(event.key);
      else this.keys.add(event.key);
      const id = this.file(
        event.key,
        event.type === 'delete' ? undefined : event.kv,
      );
      if (id !== undefined) ids.add(id);
    }
    for (const id of ids) this.rebuild(id);
    this.currentAt = Math.max(this.currentAt, batch.revision);
    this.release();
  }

  /** Files a key (or its deletion: `kv` undefined) under its item; returns the item id. */
  private file(key: string, kv: KeyValue | undefined): string | undefined {
    const id = this.options.itemIdOf(key);
    if (id === undefined) return undefined;
    let keys = this.keysOf.get(id);
    const part = kv === undefined ? undefined : this.part(kv);
    if (part !== undefined) {
      if (!keys) this.keysOf.set(id, (keys = new Map()));
      keys.set(key, part);
    } else if (keys) {
      keys.delete(key);
      if (keys.size === 0) this.keysOf.delete(id);
    }
    return id;
  }

  private part(kv: KeyValue): P | undefined {
    return this.options.decode ? this.options.decode(kv) : (kv as unknown as P);
  }

  private rebuild(id: string): void {
    const keys = [...(this.keysOf.get(id)?.entries() ?? [])];
    keys.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const item =
      keys.length > 0
        ? this.options.build(
            id,
            keys.map(([, part]) => part),
          )
        : undefined;
    if (item === undefined) this.items.delete(id);
    else this.items.set(id, item);
    for (const [index, valueOf] of Object.entries(this.options.indexes ?? {})) {
      const byValue = this.indexed.get(index) as Map<string, Set<string>>;
      const filed = this.filedUnder.get(index) as Map<string, string>;
      const before = filed.get(id);
      const after =
        item === undefined ? undefined : (valueOf(item) ?? undefined);
      if (before === after) continue;
      if (before !== undefined) {
        const set = byValue.get(before);
        set?.delete(id);
        if (set?.size === 0) byValue.delete(before);
        filed.delete(id);
      }
      if (after !== undefined) {
        let set = byValue.get(after);
        if (!set) byValue.set(after, (set = new Set()));
        set.add(id);
        filed.set(id, after);
      }
    }
  }

  private view(): CacheView<T> {
    const items = this.items;
    const indexed = this.indexed;
    return {
      revision: this.current(),
      size: items.size,
      get: (id) => items.get(id),
      all: () => items.values(),
      byIndex: (index, value) => {
        const byValue = indexed.get(index);
        if (!byValue)
          throw new Error(
            `watch cache ${this.options.name}: no index ${index}`,
          );
        const ids = byValue.get(value);
        return ids ? [...ids].map((id) => items.get(id) as T) : [];
      },
    };
  }
}
