import { KeyValue, StateStore, Watch, WatchBatch } from '../port/state-store';
import { StoreObserver } from '../observability/store-observer';

export interface InformerHandlers {
  /** The whole prefix at `revision`: at start (unless started from a revision) and after each re-list. */
  onSnapshot(kvs: KeyValue[], revision: number): void | Promise<void>;
  /** Changes after the last snapshot or batch, one revision at a time, in order. */
  onBatch(batch: WatchBatch): void | Promise<void>;
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

  constructor(private readonly store: StateStore, private readonly prefix: string, private readonly handlers: InformerHandlers, private readonly options: InformerOptions) {}

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
    const listed = await this.store.list(this.prefix);
    await this.handlers.onSnapshot(listed.kvs, listed.revision);
    this.lastRevision = listed.revision;
    await this.watchFrom(listed.revision + 1);
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
      onDisconnected: (error) => this.options.observer?.disconnected(this.options.name, error),
      onReconnected: () => this.options.observer?.reconnected(this.options.name),
    });
  }

  private async relist(): Promise<void> {
    let delay = this.options.relistDelayMs ?? 100;
    while (!this.stopped) {
      try {
        await this.listAndWatch();
        return;
      } catch (error) {
        this.options.observer?.relisted(this.options.name, error instanceof Error ? error : new Error(String(error)));
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }
}
