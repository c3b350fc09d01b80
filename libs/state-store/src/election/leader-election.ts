import { errorMessage } from '@lcm/domain';
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
  return {
    key: fence.key,
    target: 'createRevision',
    op: '=',
    value: fence.createRevision,
  };
}

/** Whether two fences name the same term (a term is one creation of the leader key, under one lease). */
export function sameTerm(a: Fence | undefined, b: Fence | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.key === b.key &&
    a.createRevision === b.createRevision &&
    a.leaseId === b.leaseId
  );
}

/** The compares that hold only while `fence`'s term owns the key: its creation and its lease. */
function termCompares(fence: Fence): Compare[] {
  return [
    fenceCompare(fence),
    { key: fence.key, target: 'lease', op: '=', value: fence.leaseId },
  ];
}

export interface ElectionOptions {
  store: StateStore;
  /** The leader key, e.g. KeyLayout.leader('scheduler'). */
  key: string;
  /** This replica's id (value of the leader key while it leads). */
  candidateId: string;
  ttlSeconds: number;
  /** A term began. Called synchronously, always after the previous term's onDeposed. */
  onElected?(fence: Fence): void;
  /**
   * The term `fence` ended: lease lost (keepalive failed, etcd unreachable), key deleted, stepped
   * down or resigned. Called synchronously, once per term, before any later term's onElected.
   */
  onDeposed?(reason: string, fence: Fence): void;
  onError?(error: unknown): void;
}

type Waker = () => void;

/**
 * Leader election on a lease-bound key, created only if absent. Candidates that lose watch the key
 * and campaign again when it goes. A leader steps down by itself as soon as its lease is considered
 * lost (see Lease.onLost: before etcd can expire it), so two leaders never act at once.
 *
 * Terms: each creation of the key is one term, named by its Fence. Work started under a term can
 * only end that term (`stepDown(fence)`); when the same replica has meanwhile won a newer term, a
 * step-down or a late failure of the old term's work changes nothing, and deleting the key always
 * compares its create revision and lease, so it never removes a newer term's key.
 */
export class LeaderElection {
  private current?: Fence;
  private lease?: Lease;
  private stopped = false;
  private running?: Promise<void>;
  private wake?: Waker;
  private leaderId?: string;

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

  /**
   * Ends the term `fence` if it is still this candidate's current term (deleting the key only if that
   * term still owns it) and campaigns again. Returns false, changing nothing, when that term has
   * already ended: stale work of an old term can never end a newer one.
   */
  async stepDown(fence: Fence, reason: string): Promise<boolean> {
    if (!sameTerm(this.current, fence)) return false;
    this.depose(`stepped down: ${reason}`);
    await this.deleteTermKey(fence);
    this.poke();
    return true;
  }

  /** Gives up leadership (deleting the key if its current term still owns it) and stops campaigning. */
  async resign(): Promise<void> {
    this.stopped = true;
    const fence = this.current;
    if (fence) {
      this.depose('resigned');
      await this.deleteTermKey(fence);
    }
    await this.lease?.revoke().catch(() => undefined);
    this.poke();
    await this.running?.catch(() => undefined);
  }

  /**
   * The leader as this candidate last saw it (from its own campaign reads and watches, no store
   * call): answers during a store outage. `undefined` when there is none or it is not known yet.
   */
  knownLeader(): string | undefined {
    return this.isLeader() ? this.options.candidateId : this.leaderId;
  }

  /** The current leader's id, whoever it is (a store read). */
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
        for (const event of batch.events)
          if (event.key === this.options.key)
            handler(event.type === 'put' ? event.kv.value : undefined);
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
          const granted = this.lease;
          granted.onLost((reason) => {
            // Only the term held under this lease ends; a later lease's term is not this loss's.
            if (this.current?.leaseId === granted.id)
              this.depose(`lease lost: ${reason.message}`);
            this.poke();
          });
        }
        const lease = this.lease;
        if (this.current) {
          // Still leading after a store error (the lease lives, so the term does): keep watching it.
          await this.whileLeading(this.current.createRevision);
          continue;
        }
        const result = await store.txn({
          compare: [{ key, target: 'createRevision', op: '=', value: 0 }],
          success: [{ type: 'put', key, value: candidateId, lease: lease.id }],
          failureReads: [key],
        });
        backoff = 100;
        const holder = result.reads.find((kv) => kv.key === key);
        this.leaderId = result.succeeded ? candidateId : holder?.value;
        if (result.succeeded && !lease.isLost()) {
          this.current = {
            key,
            holder: candidateId,
            createRevision: result.revision,
            leaseId: lease.id,
          };
          this.options.onElected?.(this.current);
          this.poke();
          await this.whileLeading(result.revision);
        } else if (result.succeeded || holder?.lease === lease.id) {
          // A key under our own lease that is no current term (its lease was lost while it was
          // written, or an ended term's delete did not get through): remove it and campaign anew.
          const createRevision = result.succeeded
            ? result.revision
            : (holder?.createRevision ?? 0);
          await this.deleteTermKey({
            key,
            holder: candidateId,
            createRevision,
            leaseId: lease.id,
          });
          if (!result.succeeded) await this.sleep(backoff);
        } else {
          await this.untilKeyDeleted(result.revision, ttlSeconds * 1000);
        }
      } catch (error) {
        this.options.onError?.(error);
        if (this.current && (this.lease?.isLost() ?? true))
          this.depose(`store error: ${errorMessage(error)}`);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, ttlSeconds * 1000);
      }
    }
  }

  /** Returns when the term ends: lease lost, key deleted or replaced, step-down or resign. */
  private async whileLeading(revision: number): Promise<void> {
    const { store, key } = this.options;
    const term = this.current;
    const watch = await store.watch(key, revision + 1, {
      onBatch: (batch) => {
        for (const event of batch.events) {
          if (event.key !== key) continue;
          if (event.type === 'delete') this.leaderId = undefined;
          else if (event.kv.createRevision !== revision)
            this.leaderId = event.kv.value;
          if (event.type === 'delete' || event.kv.createRevision !== revision) {
            if (sameTerm(this.current, term)) this.depose('leader key deleted');
            this.poke();
          }
        }
      },
      onCancelled: () => this.poke(),
    });
    try {
      while (
        sameTerm(this.current, term) &&
        !this.stopped &&
        !(this.lease?.isLost() ?? true)
      )
        await this.sleepUntilPoked(1000);
    } finally {
      await watch.cancel();
    }
  }

  /** Deletes the leader key only while `fence`'s term owns it (its create revision and its lease). */
  private async deleteTermKey(fence: Fence): Promise<void> {
    await this.options.store
      .txn({
        compare: termCompares(fence),
        success: [{ type: 'delete', key: fence.key }],
      })
      .catch(() => undefined);
  }

  private async untilKeyDeleted(
    revision: number,
    timeoutMs: number,
  ): Promise<void> {
    const { store, key } = this.options;
    const watch = await store.watch(key, revision + 1, {
      onBatch: (batch) => {
        for (const event of batch.events)
          if (event.key === key)
            this.leaderId = event.type === 'put' ? event.kv.value : undefined;
        if (batch.events.some((e) => e.type === 'delete')) this.poke();
      },
      onCancelled: () => this.poke(),
    });
    try {
      // The key may have gone between the failed campaign and the watch starting: check once more.
      const sleeping = this.sleepUntilPoked(timeoutMs);
      const holder = await store.get(key);
      this.leaderId = holder?.value;
      if (!holder) this.poke();
      await sleeping;
    } finally {
      await watch.cancel();
    }
  }

  private depose(reason: string): void {
    const ended = this.current;
    if (!ended) return;
    this.current = undefined;
    if (this.leaderId === this.options.candidateId) this.leaderId = undefined;
    this.options.onDeposed?.(reason, ended);
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
