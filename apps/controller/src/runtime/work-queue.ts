/** The longest a Node timer waits (2^31 - 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface WorkQueueOptions {
  /** Called when an item becomes ready to be taken (wake the processor). */
  onReady: () => void;
  /** The first retry delay of a failing item (ms); doubled per failure. */
  baseDelayMs: number;
  /** The longest retry delay (ms). */
  maxDelayMs: number;
}

/**
 * client-go's rate-limited work queue, keyed by object: an item is queued once however often it is
 * added (deduplicated); an item taken for processing and added again meanwhile is queued again
 * when it is `done` (processed again after, never by two workers at once); `addAfter` queues it
 * later (one timer, at the earliest); `addRateLimited` backs a failing item off exponentially until
 * `forget`. `take` hands out the ready items, at most as many as asked for, oldest first (the
 * controller's pass is the batch).
 */
export class WorkQueue {
  /** Ready, in the order they were added. */
  private readonly queue = new Set<string>();
  /** Added and not yet taken (queued, or waiting for its processing to end). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  /** Items to add later: key -> when (epoch ms, by the queue's own timer). */
  private readonly delayed = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private timerAt?: number;
  private closed = false;

  constructor(private readonly options: WorkQueueOptions) {}

  /** Items ready to be taken. */
  get length(): number {
    return this.queue.size;
  }

  /** Items waiting for a later time (addAfter, addRateLimited). */
  get delayedCount(): number {
    return this.delayed.size;
  }

  add(key: string): void {
    if (this.closed || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // queued again when done
    this.queue.add(key);
    this.options.onReady();
  }

  addAll(keys: Iterable<string>): void {
    for (const key of keys) this.add(key);
  }

  /** The first `max` ready items (in the order they were added), now being processed: call `done` for each. */
  take(max = Infinity): string[] {
    const batch: string[] = [];
    for (const key of this.queue) {
      if (batch.length >= max) break;
      batch.push(key);
    }
    for (const key of batch) {
      this.queue.delete(key);
      this.dirty.delete(key);
      this.processing.add(key);
    }
    return batch;
  }

  /** Processing of `key` ended: if it was added meanwhile, it is ready again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.closed) {
      this.queue.add(key);
      this.options.onReady();
    }
  }

  /** Adds `key` after `delayMs` (at once when not positive); an earlier pending time wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending !== undefined && pending <= at) return;
    this.delayed.set(key, at);
    // The timer set for an earlier item also adds this one: no look at every delayed item per add
    // (a resync adds 10,000 instances falling due at known times).
    if (this.timerAt === undefined || at < this.timerAt) this.armAt(at);
  }

  /** `key` failed: added again after base x 2^(failures - 1), at most max. */
  addRateLimited(key: string): void {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const { baseDelayMs, maxDelayMs } = this.options;
    this.addAfter(
      key,
      Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(failures - 1, 30)),
    );
  }

  /** `key` succeeded: its backoff starts over. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How often `key` failed in a row. */
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Drops everything (a term ended); nothing is added after. */
  shutDown(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = undefined;
    this.queue.clear();
    this.dirty.clear();
    this.processing.clear();
    this.failures.clear();
    this.delayed.clear();
  }

  /** One timer, at the earliest delayed item (`at`); it adds every item due by then and sets the next. */
  private armAt(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    const delayMs = Math.max(0, at - Date.now());
    // Beyond what a timer can wait (~24.8 days): wait that long, then set it again.
    const capped = delayMs > MAX_TIMER_MS;
    this.timer = setTimeout(
      () => (capped ? this.armAt(at) : this.addDue(at)),
      capped ? MAX_TIMER_MS : delayMs,
    );
    this.timer.unref?.();
  }

  private addDue(earliest: number): void {
    this.timer = undefined;
    this.timerAt = undefined;
    const now = Math.max(Date.now(), earliest);
    let next = Infinity;
    // In place (a Map may lose entries while iterated): no copy of every delayed item per timer.
    for (const [key, at] of this.delayed) {
      if (at > now) {
        next = Math.min(next, at);
        continue;
      }
      this.delayed.delete(key);
      this.add(key);
    }
    if (next !== Infinity && !this.closed) this.armAt(next);
  }
}
