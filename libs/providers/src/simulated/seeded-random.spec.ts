import { hash32, mulberry32, SeededRandom } from './seeded-random';

describe('mulberry32', () => {
  it('is deterministic per seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs.slice(0, 5));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('hash32', () => {
  it('is stable and spreads similar strings', () => {
    expect(hash32('abc')).toBe(hash32('abc'));
    expect(hash32('abc')).not.toBe(hash32('abd'));
    expect(hash32('')).toBe(0x811c9dc5);
  });
});

describe('SeededRandom', () => {
  it('gives the same draw for the same seed and key, whatever else was drawn', () => {
    const r1 = new SeededRandom(7);
    const r2 = new SeededRandom(7);
    r2.draw('unrelated', 1);
    r2.draw('unrelated', 2);
    expect(r1.draw('provision', 'w-1', 1)).toBe(r2.draw('provision', 'w-1', 1));
    expect(r1.draw('provision', 'w-1', 1)).not.toBe(
      r1.draw('provision', 'w-1', 2),
    );
    expect(new SeededRandom(8).draw('provision', 'w-1', 1)).not.toBe(
      r1.draw('provision', 'w-1', 1),
    );
  });

  it('draws hex ids of the asked length and exponential times', () => {
    const r = new SeededRandom('seed');
    expect(r.hex(17, 'x')).toMatch(/^[0-9a-f]{17}$/);
    expect(r.hex(17, 'x')).toBe(r.hex(17, 'x'));
    expect(r.hex(32, 'y')).toHaveLength(32);
    expect(r.exponential(0, 'z')).toBe(Infinity);
    const samples = Array.from({ length: 2000 }, (_, i) =>
      r.exponential(2, 'e', i),
    );
    const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
    expect(mean).toBeGreaterThan(0.4);
    expect(mean).toBeLessThan(0.6);
    expect(r.chance(0, 'c')).toBe(false);
    expect(r.chance(1, 'c')).toBe(true);
  });
});
