import {
  ExponentialBackoff,
  handleAll,
  noJitterGenerator,
  retry,
} from 'cockatiel';
import { KeyValue, StateStore, Watch, WatchBatch } from '../port/state-store';
import { StoreObserver } from '../observability/store-observer';

/** What an informer hands its list and watch to: the list in one piece or page by page. */
export type InformerHandlers = WholeListHandlers | PagedListHandlers;

interface WatchHandler {
  /** Changes after the last list or batch, one revision at a time, in order. */
  onBatch(batch: WatchBatch): void | Promise<void>;
}

export interface WholeListHandlers extends WatchHandler {
  /** The whole prefix at `revision`: at start (unless started from a revision) and after each re-list. */
  onSnapshot(kvs: KeyValue[], revision: number): void | Promise<void>;
}

/**
 * The list page by page (StateStore.scan), for a handler that keeps only what it makes of each
 * page: the prefix's values are then never all in memory at once. A list (at start, unless started
 * from a revision, and at each re-list) is onListStart, its pages in key order, then onListed with
 * the revision they were all read at; a list that fails part-way is started over with onListStart.
 */
export interface PagedListHandlers extends WatchHandler {
  onListStart(): void | Promise<void>;
  onListPage(kvs: KeyValue[]): void | Promise<void>;
  onListed(revision: number): void | Promise<void>;
}

export interface InformerOptions {
  /** Name used in metrics and logs. */
  name: string;
  observer?: StoreObserver;
  /** Start watching after this revision instead of listing first (a consumer's cursor). */
  afterRevision?: number;
  /** Delay before re-listing after a cancellation (ms). */
  relistDelayMs?: number;
}

/**
 * A watch that never misses (Kubernetes' list-and-watch): list the prefix, then watch from the
 * list's revision + 1. Disconnects are resumed by the driver from the last revision; a cancelled
 * watch (compacted start revision) re-lists and hands the handler a fresh snapshot to reconcile from.
 */
export class PrefixInformer {
  private watch?: Watch;
  private stopped = false;
  private lastRevision = 0;
  private relisting?: Promise<void>;

  constructor(
    private readonly store: StateStore,
    private readonly prefix: string,
    private readonly handlers: InformerHandlers,
    private readonly options: InformerOptions,
  ) {}

  /** The last revision fully handled. */
  get revision(): number {
    return this.lastRevision;
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.options.afterRevision !== undefined) {
      this.lastRevision = this.options.afterRevision;
      await this.watchFrom(this.lastRevision + 1);
    } else {
      await this.listAndWatch();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.relisting?.catch(() => undefined);
    await this.watch?.cancel();
    this.watch = undefined;
  }

  private async listAndWatch(): Promise<void> {
    const revision = await this.list();
    this.lastRevision = revision;
    await this.watchFrom(revision + 1);
  }

  /** Hands the prefix to the handlers (whole, or page by page); returns the revision read at. */
  private async list(): Promise<number> {
    const handlers = this.handlers;
    if ('onSnapshot' in handlers) {
      const listed = await this.store.list(this.prefix);
      await handlers.onSnapshot(listed.kvs, listed.revision);
      return listed.revision;
    }
    await handlers.onListStart();
    const revision = await this.store.scan(this.prefix, (kvs) =>
      handlers.onListPage(kvs),
    );
    await handlers.onListed(revision);
    return revision;
  }

  private async watchFrom(revision: number): Promise<void> {
    if (this.stopped) return;
    this.watch = await this.store.watch(this.prefix, revision, {
      onBatch: async (batch) => {
        if (this.stopped || batch.revision <= this.lastRevision) return;
        await this.handlers.onBatch(batch);
        this.lastRevision = batch.revision;
      },
      onCancelled: (error) => {
        if (this.stopped) return;
        this.options.observer?.relisted(this.options.name, error);
        this.relisting = this.relist();
      },
      onDisconnected: (error) =>
        this.options.observer?.disconnected(this.options.name, error),
      onReconnected: () =>
        this.options.observer?.reconnected(this.options.name),
    });
  }

  /** Re-lists until it succeeds or the informer stops, with exponential backoff (doubled up to 5 s). */
  private async relist(): Promise<void> {
    const policy = retry(handleAll, {
      maxAttempts: Infinity,
      backoff: new ExponentialBackoff({
        initialDelay: this.options.relistDelayMs ?? 100,
        maxDelay: 5000,
        generator: noJitterGenerator,
      }),
    });
    policy.onRetry((event) => {
      if ('error' in event)
        this.options.observer?.relisted(
          this.options.name,
          event.error instanceof Error
            ? event.error
            : new Error(String(event.error)),
        );
    });
    await policy.execute(async () => {
      if (!this.stopped) await this.listAndWatch();
    });
  }
}
