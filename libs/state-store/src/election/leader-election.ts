import { Compare, Lease, StateStore, Watch } from '../port/state-store';

/**
 * Proof of leadership, checked inside every transaction a leader commits: the leader key still
 * exists with the create revision we wrote it at. A deposed leader's (or a stale process's) write
 * fails instead of racing the new leader.
 */
export interface Fence {
  key: string;
  holder: string;
  createRevision: number;
  leaseId: string;
}

export function fenceCompare(fence: Fence): Compare {
  return { key: fence.key, target: 'createRevision', op: '=', value: fence.createRevision };
}

export interface ElectionOptions {
  store: StateStore;
  /** The leader key, e.g. KeyLayout.leader('scheduler'). */
  key: string;
  /** This replica's id (value of the leader key while it leads). */
  candidateId: string;
  ttlSeconds: number;
  onElected?(fence: Fence): void;
  /** Leadership ended: lease lost (keepalive failed, etcd unreachable), key deleted, or resigned. */
  onDeposed?(reason: string): void;
  onError?(error: unknown): void;
}

type Waker = () => void;

/**
 * Leader election on a lease-bound key, created only if absent. Candidates that lose watch the key
 * and campaign again when it goes. A leader steps down by itself as soon as its lease is considered
 * lost (see Lease.onLost: before etcd can expire it), so two leaders never act at once.
 */
export class LeaderElection {
  private current?: Fence;
  private lease?: Lease;
  private stopped = false;
  private running?: Promise<void>;
  private wake?: Waker;

  constructor(private readonly options: ElectionOptions) {}

  /** Starts campaigning in the background (idempotent). */
  start(): void {
    this.stopped = false;
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves once this candidate is leader. */
  async campaign(): Promise<Fence> {
    this.start();
    while (!this.current) {
      if (this.stopped) throw new Error('election stopped');
      await new Promise<void>((resolve) => {
        const previous = this.wake;
        this.wake = () => {
          previous?.();
          resolve();
        };
      });
    }
    return this.current;
  }

  isLeader(): boolean {
    return this.current !== undefined && !(this.lease?.isLost() ?? true);
  }

  fence(): Fence | undefined {
    return this.isLeader() ? this.current : undefined;
  }

  /** Gives up leadership (deleting the key if still ours) and stops campaigning. */
  async resign(): Promise<void> {
    this.stopped = true;
    const fence = this.current;
    if (fence) {
      await this.options.store
        .txn({ compare: [fenceCompare(fence)], success: [{ type: 'delete', key: fence.key }] })
        .catch(() => undefined);
      this.depose('resigned');
    }
    await this.lease?.revoke().catch(() => undefined);
    this.poke();
    await this.running?.catch(() => undefined);
  }

  /** The current leader's id, whoever it is. */
  async currentLeader(): Promise<string | undefined> {
    return (await this.options.store.get(this.options.key))?.value;
  }

  /** Calls `handler` with the leader id now and on every change (undefined while there is none). */
  async observe(handler: (leader: string | undefined) => void): Promise<Watch> {
    const kv = await this.options.store.get(this.options.key);
    const revision = await this.options.store.revision();
    handler(kv?.value);
    return this.options.store.watch(this.options.key, revision + 1, {
      onBatch: (batch) => {
        for (const event of batch.events) if (event.key === this.options.key) handler(event.type === 'put' ? event.kv.value : undefined);
      },
      onCancelled: () => undefined,
    });
  }

  private async loop(): Promise<void> {
    const { store, key, candidateId, ttlSeconds } = this.options;
    let backoff = 100;
    while (!this.stopped) {
      try {
        if (!this.lease || this.lease.isLost()) {
          this.lease = await store.grantLease(ttlSeconds);
          this.lease.onLost((reason) => {
            this.depose(`lease lost: ${reason.message}`);
            this.poke();
          });
        }
        const lease = this.lease;
        const result = await store.txn({
          compare: [{ key, target: 'createRevision', op: '=', value: 0 }],
          success: [{ type: 'put', key, value: candidateId, lease: lease.id }],
          failureReads: [key],
        });
        backoff = 100;
        if (result.succeeded && !lease.isLost()) {
          this.current = { key, holder: candidateId, createRevision: result.revision, leaseId: lease.id };
          this.options.onElected?.(this.current);
          this.poke();
          await this.whileLeading(result.revision);
        } else if (!result.succeeded) {
          await this.untilKeyDeleted(result.revision, ttlSeconds * 1000);
        }
      } catch (error) {
        this.options.onError?.(error);
        if (this.current) this.depose(`store error: ${error instanceof Error ? error.message : String(error)}`);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, ttlSeconds * 1000);
      }
    }
  }

  /** Returns when leadership ends: lease lost, key deleted by someone else, or resign. */
  private async whileLeading(revision: number): Promise<void> {
    const { store, key } = this.options;
    const watch = await store.watch(key, revision + 1, {
      onBatch: (batch) => {
        if (batch.events.some((e) => e.type === 'delete')) {
          this.depose('leader key deleted');
          this.poke();
        }
      },
      onCancelled: () => this.poke(),
    });
    try {
      while (this.current && !this.stopped && !(this.lease?.isLost() ?? true)) await this.sleepUntilPoked(1000);
    } finally {
      await watch.cancel();
    }
  }

  private async untilKeyDeleted(revision: number, timeoutMs: number): Promise<void> {
    const { store, key } = this.options;
    const watch = await store.watch(key, revision + 1, {
      onBatch: (batch) => {
        if (batch.events.some((e) => e.type === 'delete')) this.poke();
      },
      onCancelled: () => this.poke(),
    });
    try {
      // The key may have gone between the failed campaign and the watch starting: check once more.
      const sleeping = this.sleepUntilPoked(timeoutMs);
      if (!(await store.get(key))) this.poke();
      await sleeping;
    } finally {
      await watch.cancel();
    }
  }

  private depose(reason: string): void {
    if (!this.current) return;
    this.current = undefined;
    this.options.onDeposed?.(reason);
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private sleepUntilPoked(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref?.();
      const previous = this.wake;
      this.wake = done;
      function done() {
        clearTimeout(timer);
        previous?.();
        resolve();
      }
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
  }
}
