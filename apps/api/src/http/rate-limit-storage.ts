import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<
  ReturnType<ThrottlerStorage['increment']>
>;

/** Sub-windows a rate-limit window is counted in: memory and work per identity stay constant. */
const BUCKETS = 60;
/** Records beyond this many identities are dropped oldest-first once idle (see increment). */
const EVICT_PER_CALL = 2;

interface Counter {
  /** Length of one sub-window (ms): the window's ttl / BUCKETS. */
  bucketMs: number;
  /** Hits per sub-window, a ring of BUCKETS + 1 slots indexed by absolute sub-window number. */
  counts: Uint32Array;
  /** The newest sub-window counted (absolute number: time / bucketMs). */
  head: number;
  /** The oldest sub-window that may still hold hits. */
  oldest: number;
  total: number;
  /** Refused until then (ms since epoch); 0: not blocked. */
  blockedUntil: number;
}

/**
 * The api's rate-limit counters: per identity, hits counted in BUCKETS sub-windows of the window,
 * so a request costs O(1) time and each identity a fixed few hundred bytes, whatever the limit.
 * (@nestjs/throttler's default storage keeps one timestamp per hit and filters and spreads the whole
 * list on every request: O(hits in the last minute) per request, which dominated authenticated
 * requests under load.)
 *
 * A hit counts until its sub-window has left the window entirely, i.e. for between ttl and
 * ttl + ttl / BUCKETS: never more than `limit` hits are let through in any `ttl`. As with the
 * default storage, the hit that goes over the limit blocks the identity for `blockDuration`, and
 * the window starts empty again after the block.
 */
export class RateLimitStorage implements ThrottlerStorage {
  /** Least recently used first (a hit moves its key to the end). */
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Identities currently tracked. */
  get size(): number {
    return this.counters.size;
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    let counter = this.counters.get(key);
    if (counter === undefined || counter.bucketMs !== ttl / BUCKETS) {
      counter = newCounter(ttl, now);
    } else {
      this.counters.delete(key);
    }
    this.counters.set(key, counter);
    const record = hit(counter, now, limit, blockDuration);
    this.evictIdle(now, key);
    return record;
  }

  /** Drops the least recently used identities whose window is empty and that are not blocked. */
  private evictIdle(now: number, current: string): void {
    let checked = 0;
    for (const [key, counter] of this.counters) {
      if (key === current || checked++ === EVICT_PER_CALL) return;
      if (counter.blockedUntil > now) return;
      advance(counter, now);
      if (counter.total > 0) return;
      this.counters.delete(key);
    }
  }
}

function hit(
  counter: Counter,
  now: number,
  limit: number,
  blockDuration: number,
): ThrottlerStorageRecord {
  if (counter.blockedUntil > now) {
    return {
      totalHits: counter.total + 1,
      timeToExpire: secondsUntil(windowEnd(counter), now),
      isBlocked: true,
      timeToBlockExpire: secondsUntil(counter.blockedUntil, now),
    };
  }
  if (counter.blockedUntil !== 0) {
    // The block is over: the identity starts with an empty window.
    counter.counts.fill(0);
    counter.total = 0;
    counter.blockedUntil = 0;
  }
  advance(counter, now);
  if (blockDuration <= 0 && counter.total >= limit) {
    // No block: refused while the window is full, and the refused hit is not counted.
    return {
      totalHits: counter.total + 1,
      timeToExpire: secondsUntil(windowEnd(counter), now),
      isBlocked: true,
      timeToBlockExpire: secondsUntil(windowEnd(counter), now),
    };
  }
  counter.counts[counter.head % counter.counts.length]++;
  counter.total++;
  const isBlocked = blockDuration > 0 && counter.total > limit;
  if (isBlocked) counter.blockedUntil = now + blockDuration;
  return {
    totalHits: counter.total,
    timeToExpire: secondsUntil(windowEnd(counter), now),
    isBlocked,
    timeToBlockExpire: isBlocked ? secondsUntil(counter.blockedUntil, now) : 0,
  };
}

function newCounter(ttl: number, now: number): Counter {
  const bucketMs = ttl / BUCKETS;
  const head = Math.floor(now / bucketMs);
  return {
    bucketMs,
    counts: new Uint32Array(BUCKETS + 1),
    head,
    oldest: head,
    total: 0,
    blockedUntil: 0,
  };
}

/** Moves the counter to the current sub-window, forgetting the sub-windows that left the window. */
function advance(counter: Counter, now: number): void {
  const current = Math.floor(now / counter.bucketMs);
  const slots = counter.counts.length;
  if (current - counter.head >= slots) {
    counter.counts.fill(0);
    counter.total = 0;
    counter.oldest = current;
  } else {
    for (let b = counter.head + 1; b <= current; b++) {
      counter.total -= counter.counts[b % slots];
      counter.counts[b % slots] = 0;
    }
  }
  if (current > counter.head) counter.head = current;
  counter.oldest = Math.max(counter.oldest, counter.head - slots + 1);
  while (
    counter.oldest < counter.head &&
    counter.counts[counter.oldest % slots] === 0
  )
    counter.oldest++;
}

/** When the oldest hit still counted stops counting. */
function windowEnd(counter: Counter): number {
  return (counter.oldest + counter.counts.length) * counter.bucketMs;
}

function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}
