import {
  KeyValue,
  Operation,
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
  /** Builds an item from its keys (all of them, in key order); undefined while incomplete or unreadable. */
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

/**
 * A consistent view of the cache: everything the store held at `revision` (or later), read from
 * memory. Its reads (get, all, ids, byIndex) look at the cache as it is when they are called, so a
 * view kept for later reads later changes too; `revision` and `size` are as of its creation.
 */
export interface CacheView<T> {
  readonly revision: number;
  get(id: string): T | undefined;
  /** Every item, in no particular order. */
  all(): IterableIterator<T>;
  /** Every item's id, in the same order as `all`. */
  ids(): IterableIterator<string>;
  /** The items an index files under `value`. */
  byIndex(index: string, value: string): Iterable<T>;
  readonly size: number;
}

/** One item that changed in the cache (`before` undefined: new; `after` undefined: gone). */
export interface ItemChange<T> {
  id: string;
  before: T | undefined;
  after: T | undefined;
}

/** Why the cache changed: its watch (a batch, or a re-list's snapshot), or a commit of this process. */
export type ChangeSource = 'snapshot' | 'watch' | 'local';

export type ChangeListener<T> = (
  changes: readonly ItemChange<T>[],
  source: ChangeSource,
) => void;

/** What the cache keeps of a key besides its item's part: its revisions, not its value. */
interface KeyRevisions {
  createRevision: number;
  modRevision: number;
  version: number;
}

function revisionsOf(kv: KeyValue): KeyRevisions {
  return {
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
  };
}

/**
 * An item's kept keys and their parts, flat and in key order (`[key0, part0, key1, part1, ...]`),
 * in an array of exactly their length: an item has one to three keys, and at 10,000 items a Map
 * (or an array of pairs) per item costs two to three times as much.
 */
type ItemParts = unknown[];

/** `items` with `count` entries at `at` replaced by `insert`, as a new array of exactly that length. */
function spliced(
  items: readonly unknown[],
  at: number,
  insert: readonly unknown[],
  count = 0,
): ItemParts {
  const out = new Array<unknown>(items.length - count + insert.length);
  let o = 0;
  for (let i = 0; i < at; i++) out[o++] = items[i];
  for (const x of insert) out[o++] = x;
  for (let i = at + count; i < items.length; i++) out[o++] = items[i];
  return out;
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
  /**
   * The keys under the prefix, as of `revision`, with their revisions but not their values: the
   * count proves the cache current (prefixStatus), the revisions keep applyCommitted from going
   * backwards and let it stamp the key it writes.
   */
  private keys = new Map<string, KeyRevisions>();
  /**
   * What is kept of each item's keys (see `decode`), so that an item is rebuilt from its own keys
   * only (see ItemParts).
   */
  private keysOf = new Map<string, ItemParts>();
  /**
   * A list being received page by page (each page decoded as it arrives, its KeyValues dropped):
   * swapped in whole when complete, so readers never see half a list.
   */
  private listing?: {
    keys: Map<string, KeyRevisions>;
    keysOf: Map<string, ItemParts>;
  };
  private readonly items = new Map<string, T>();
  /**
   * index -> value -> the ids filed under it. Where an item is filed is not kept beside it: it is
   * what the index makes of the item the cache holds (items are replaced on change, never mutated).
   */
  private readonly indexed = new Map<string, Map<string, Set<string>>>();
  /** Highest revision the cache is known to be current at (watched, or proved by a prefix status). */
  private currentAt = 0;
  private waiters: Waiter[] = [];
  private started = false;
  /**
   * This process's own commits applied ahead of the watch (applyCommitted), by key, until the watch
   * reaches their revision: a re-list at an older revision re-applies them, and a deleted key's
   * tombstone keeps an older event from bringing it back.
   */
  private readonly ahead = new Map<
    string,
    { revision: number; kv: KeyValue | undefined }
  >();
  private readonly listeners = new Set<ChangeListener<T>>();
  /** The store-revision call in flight, and the one queued behind it (see storeRevision). */
  private asking?: Promise<number>;
  private askingNext?: Promise<number>;
  /** The prefix-status call in flight, and whether a reader arrived after it started. */
  private checking?: Promise<void>;
  private checkAgain = false;

  constructor(
    private readonly store: StateStore,
    private readonly options: WatchCacheOptions<T, P>,
  ) {
    for (const index of Object.keys(options.indexes ?? {})) {
      this.indexed.set(index, new Map());
    }
    this.informer = new PrefixInformer(
      store,
      options.prefix,
      {
        onListStart: () => {
          this.listing = { keys: new Map(), keysOf: new Map() };
        },
        onListPage: (kvs) => this.listPage(kvs),
        onListed: (revision) => this.snapshot(revision),
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
    // A stopped cache holds nothing (a standby's memory); start() lists afresh.
    this.ahead.clear();
    this.listing = undefined;
    this.keys.clear();
    this.keysOf.clear();
    this.items.clear();
    for (const map of this.indexed.values()) map.clear();
    this.currentAt = 0;
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

  /** Calls `listener` with the items each change (watch batch, re-list, own commit) touched; returns the unsubscribe. */
  subscribe(listener: ChangeListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A commit of this process (`CommitResult` of the record stores), applied before its watch event
   * arrives, so the writer's next decision sees it (client-go's informer store updated by the
   * controller's own write). Keys outside the prefix are ignored. Never goes backwards: a key
   * already at a newer revision is left alone, and the watch's older events for these keys are
   * skipped. It does not make reads consistent (`read` still waits for the watch).
   */
  applyCommitted(commit: {
    revision: number;
    operations: readonly Operation[];
  }): void {
    const { revision } = commit;
    if (revision <= this.informer.revision) return; // the watch already has it
    const ids = new Set<string>();
    for (const op of commit.operations) {
      if (op.type === 'deletePrefix' || !op.key.startsWith(this.options.prefix))
        continue;
      const existing = this.keys.get(op.key);
      if (existing && existing.modRevision >= revision) continue;
      const kv: KeyValue | undefined =
        op.type === 'put'
          ? {
              key: op.key,
              value: op.value,
              createRevision: existing?.createRevision ?? revision,
              modRevision: revision,
              version: (existing?.version ?? 0) + 1,
              lease: op.lease ?? '0',
            }
          : undefined;
      this.ahead.set(op.key, { revision, kv });
      const id = this.put(op.key, kv);
      if (id !== undefined) ids.add(id);
    }
    this.notify(this.rebuildAll(ids), 'local');
  }

  private current(): number {
    return Math.max(this.currentAt, this.informer.revision);
  }

  /**
   * Whichever comes first proves the cache current at `storeRevision`: its watch reaching it, or a
   * prefix status showing that nothing under the prefix changed since what the cache saw (the store
   * moved on elsewhere). Under writes to the prefix the watch usually wins; the status call is
   * shared by every reader waiting meanwhile (see checkPrefix), not made once per read.
   */
  private async catchUp(storeRevision: number): Promise<void> {
    const caughtUp = this.waitFor(storeRevision);
    this.checkPrefix();
    await caughtUp;
  }

  /**
   * One prefix-status call at a time; a reader that arrives while one is out gets the next one (the
   * call in flight may predate its store revision), made only if someone is still waiting then.
   */
  private checkPrefix(): void {
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    // What the cache's keys reflect: its last batch (applied before the informer moves its own
    // revision) or a revision a status proved.
    const seen = this.current();
    const keyCount = this.keys.size;
    this.checking = this.store
      .prefixStatus(this.options.prefix, seen)
      .then(
        (status) => {
          // Nothing under the prefix changed between what the cache saw and the status's revision.
          if (
            this.current() === seen &&
            status.count === keyCount &&
            !status.writtenAfter
          ) {
            this.currentAt = Math.max(this.currentAt, status.revision);
            this.release();
          }
        },
        // Not proved: the watch answers the readers, or their freshness timeout does.
        () => undefined,
      )
      .finally(() => {
        this.checking = undefined;
        if (this.checkAgain) {
          this.checkAgain = false;
          if (this.waiters.length > 0) this.checkPrefix();
        }
      });
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

  private listPage(kvs: KeyValue[]): void {
    const listing = this.listing;
    if (!listing)
      throw new Error(
        `watch cache ${this.options.name}: a list page outside a list`,
      );
    for (const kv of kvs) {
      listing.keys.set(kv.key, revisionsOf(kv));
      this.file(kv.key, kv, listing.keysOf);
    }
  }

  /** The list received (listPage) is complete at `revision`: it replaces what the cache held. */
  private snapshot(revision: number): void {
    const listing = this.listing;
    if (!listing)
      throw new Error(
        `watch cache ${this.options.name}: a list end outside a list`,
      );
    this.listing = undefined;
    const before = new Map(this.items);
    this.keys = listing.keys;
    this.keysOf = listing.keysOf;
    this.items.clear();
    for (const map of this.indexed.values()) map.clear();
    const ids = new Set<string>(before.keys());
    for (const id of this.keysOf.keys()) ids.add(id);
    // Own commits newer than the list stay applied; older ones are in it.
    for (const [key, local] of this.ahead) {
      if (local.revision <= revision) {
        this.ahead.delete(key);
        continue;
      }
      const id = this.put(key, local.kv);
      if (id !== undefined) ids.add(id);
    }
    const changes: ItemChange<T>[] = [];
    for (const id of ids) {
      this.rebuild(id);
      const after = this.items.get(id);
      if (before.has(id) || after !== undefined)
        changes.push({ id, before: before.get(id), after });
    }
    this.currentAt = Math.max(this.currentAt, revision);
    this.release();
    this.notify(changes, 'snapshot');
  }

  private apply(batch: WatchBatch): void {
    const ids = new Set<string>();
    for (const event of batch.events) {
      // An own commit applied ahead is newer than this event: keep it (never go backwards).
      const local = this.ahead.get(event.key);
      if (local && local.revision > batch.revision) continue;
      const id = this.put(
        event.key,
        event.type === 'delete' ? undefined : event.kv,
      );
      // The echo of an own commit already applied is no news (the item is what it was).
      if (id !== undefined && local?.revision !== batch.revision) ids.add(id);
    }
    for (const [key, local] of this.ahead)
      if (local.revision <= batch.revision) this.ahead.delete(key);
    const changes = this.rebuildAll(ids);
    this.currentAt = Math.max(this.currentAt, batch.revision);
    this.release();
    // Readers still waiting want a later revision, perhaps written only outside the prefix: the
    // status asked before this batch could not prove that, one asked now can.
    if (this.waiters.length > 0) this.checkPrefix();
    this.notify(changes, 'watch');
  }

  /** Sets (or, `kv` undefined, deletes) one raw key; returns the item id it belongs to. */
  private put(key: string, kv: KeyValue | undefined): string | undefined {
    if (kv) this.keys.set(key, revisionsOf(kv));
    else this.keys.delete(key);
    return this.file(key, kv);
  }

  private rebuildAll(ids: Iterable<string>): ItemChange<T>[] {
    const changes: ItemChange<T>[] = [];
    for (const id of ids) {
      const before = this.items.get(id);
      this.rebuild(id);
      const after = this.items.get(id);
      if (before !== undefined || after !== undefined)
        changes.push({ id, before, after });
    }
    return changes;
  }

  private notify(changes: ItemChange<T>[], source: ChangeSource): void {
    if (changes.length === 0) return;
    for (const listener of this.listeners) listener(changes, source);
  }

  /** Files a key (or its deletion: `kv` undefined) under its item; returns the item id. */
  private file(
    key: string,
    kv: KeyValue | undefined,
    keysOf = this.keysOf,
  ): string | undefined {
    const id = this.options.itemIdOf(key);
    if (id === undefined) return undefined;
    const parts = keysOf.get(id);
    const part = kv === undefined ? undefined : this.part(kv);
    // Where the key is, or would go, in key order.
    let at = 0;
    while (parts && at < parts.length && (parts[at] as string) < key) at += 2;
    const found = parts !== undefined && parts[at] === key;
    if (part !== undefined) {
      if (found) parts[at + 1] = part;
      else keysOf.set(id, spliced(parts ?? [], at, [key, part]));
    } else if (parts && found) {
      if (parts.length === 2) keysOf.delete(id);
      else keysOf.set(id, spliced(parts, at, [], 2));
    }
    return id;
  }

  private part(kv: KeyValue): P | undefined {
    return this.options.decode ? this.options.decode(kv) : (kv as unknown as P);
  }

  private rebuild(id: string): void {
    const previous = this.items.get(id);
    const parts = this.keysOf.get(id);
    let item: T | undefined;
    if (parts !== undefined) {
      const kept: P[] = [];
      for (let i = 1; i < parts.length; i += 2) kept.push(parts[i] as P);
      item = this.options.build(id, kept);
    }
    if (item === undefined) this.items.delete(id);
    else this.items.set(id, item);
    for (const [index, valueOf] of Object.entries(this.options.indexes ?? {})) {
      const byValue = this.indexed.get(index) as Map<string, Set<string>>;
      const before =
        previous === undefined ? undefined : (valueOf(previous) ?? undefined);
      const after =
        item === undefined ? undefined : (valueOf(item) ?? undefined);
      if (before === after) continue;
      if (before !== undefined) {
        const set = byValue.get(before);
        set?.delete(id);
        if (set?.size === 0) byValue.delete(before);
      }
      if (after !== undefined) {
        let set = byValue.get(after);
        if (!set) byValue.set(after, (set = new Set()));
        set.add(id);
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
      ids: () => items.keys(),
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
