import { leaseTiming, minimumSafeLeaseTtlSeconds } from './lease-timing';

describe('lease timing against one etcd member loss', () => {
  it('holds at the defaults (TTL 10 s, call timeout 2 s, etcd election timeout 1 s)', () => {
    expect(leaseTiming({ ttlSeconds: 10 })).toEqual({
      retryWindowMs: 5000,
      memberLossMs: 4000,
      survivesMemberLoss: true,
    });
  });

  it("fails for the combinations that deposed leaders: short TTLs, or etcd3's 5 s call timeout below a 14 s TTL", () => {
    expect(leaseTiming({ ttlSeconds: 3 }).survivesMemberLoss).toBe(false);
    expect(
      leaseTiming({ ttlSeconds: 7, callTimeoutMs: 5000 }).survivesMemberLoss,
    ).toBe(false);
    expect(
      leaseTiming({ ttlSeconds: 10, callTimeoutMs: 5000 }).survivesMemberLoss,
    ).toBe(false);
    expect(
      leaseTiming({ ttlSeconds: 14, callTimeoutMs: 5000 }).survivesMemberLoss,
    ).toBe(true);
  });

  it('names the shortest safe TTL, which itself passes the check', () => {
    expect(minimumSafeLeaseTtlSeconds(2000, 1000)).toBe(8);
    expect(minimumSafeLeaseTtlSeconds(5000, 1000)).toBe(14);
    for (const [call, election] of [
      [2000, 1000],
      [5000, 1000],
      [1500, 2500],
      [700, 300],
    ]) {
      const ttl = minimumSafeLeaseTtlSeconds(call, election);
      expect(
        leaseTiming({
          ttlSeconds: ttl,
          callTimeoutMs: call,
          electionTimeoutMs: election,
        }).survivesMemberLoss,
      ).toBe(true);
      expect(
        leaseTiming({
          ttlSeconds: ttl - 1,
          callTimeoutMs: call,
          electionTimeoutMs: election,
        }).survivesMemberLoss,
      ).toBe(false);
    }
  });
});
