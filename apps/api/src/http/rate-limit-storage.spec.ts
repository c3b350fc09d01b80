import { RateLimitStorage } from './rate-limit-storage';

const MINUTE = 60_000;

describe('RateLimitStorage (per-identity rate-limit counters)', () => {
  let now: number;
  let storage: RateLimitStorage;
  const hit = (key = 'sub:alice', limit = 5, blockDuration = MINUTE) =>
    storage.increment(key, MINUTE, limit, blockDuration, 'default');

  beforeEach(() => {
    now = 1_000_000_000_000;
    storage = new RateLimitStorage(() => now);
  });

  it('lets `limit` hits through, blocks the next one for blockDuration, then starts an empty window', async () => {
    for (let i = 1; i <= 5; i++) {
      const record = await hit();
      expect(record).toMatchObject({ totalHits: i, isBlocked: false });
      now += 1000;
    }
    const over = await hit();
    expect(over.isBlocked).toBe(true);
    expect(over.timeToBlockExpire).toBe(60);
    now += 59_000;
    expect((await hit()).isBlocked).toBe(true);
    now += 1000;
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('never lets more than `limit` hits through in any window of ttl, and forgets hits older than ttl + ttl/60', async () => {
    const passed: number[] = [];
    const start = now;
    // 3 hits a second for three minutes against 100 a minute, without blocking (blockDuration 0).
    for (let ms = 0; ms < 3 * MINUTE; ms += 333) {
      now = start + ms;
      if (!(await hit('sub:bob', 100, 0)).isBlocked) passed.push(now);
    }
    for (let i = 0; i + 100 < passed.length; i++)
      expect(passed[i + 100] - passed[i]).toBeGreaterThanOrEqual(MINUTE);
    // Not stricter than needed: a hit is forgotten at most one sub-window (1 s) after the minute.
    for (let i = 0; i + 100 < passed.length; i++)
      expect(passed[i + 100] - passed[i]).toBeLessThanOrEqual(
        MINUTE + 1000 + 333,
      );
    expect(passed.length).toBeGreaterThanOrEqual(290);
  });

  it('keeps identities apart', async () => {
    for (let i = 0; i < 6; i++) await hit('sub:busy');
    expect((await hit('sub:busy')).isBlocked).toBe(true);
    expect((await hit('sub:calm')).isBlocked).toBe(false);
  });

  it('drops identities that went idle, so the count of tracked identities stays bounded', async () => {
    for (let i = 0; i < 1000; i++) {
      await hit(`ip:10.0.${i >> 8}.${i & 255}`);
      now += 1000;
    }
    // Each hit is forgotten after about a minute: about 61 identities can still hold one.
    expect(storage.size).toBeLessThanOrEqual(70);
  });
});
