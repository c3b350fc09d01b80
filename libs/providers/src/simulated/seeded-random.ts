/**
 * Deterministic randomness for the simulated fleet. `mulberry32` is a tiny 32-bit PRNG; the fleet
 * does not consume one shared stream but derives each draw from (seed, purpose, entity, attempt),
 * so an outcome (does worker w-1's 2nd provision attempt fail?) does not depend on the order in
 * which unrelated calls happened. Same seed + same calls = same outcomes.
 */

/** mulberry32: returns a generator of floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over UTF-16 code units, 32 bits. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export type DrawKey = readonly (string | number)[];

export class SeededRandom {
  private readonly seedText: string;

  constructor(readonly seed: number | string) {
    this.seedText = String(seed);
  }

  /** A generator seeded from the seed and the key parts. */
  stream(parts: DrawKey): () => number {
    return mulberry32(hash32(`${this.seedText}\u0000${parts.join('\u0000')}`));
  }

  /** One float in [0, 1), always the same for the same seed and key. */
  draw(...parts: DrawKey): number {
    const next = this.stream(parts);
    next(); // the first output of a freshly seeded generator is the least mixed; skip it
    return next();
  }

  /** True with probability `rate` (0 never draws, so a zero rate costs nothing). */
  chance(rate: number, ...parts: DrawKey): boolean {
    return rate > 0 && this.draw(...parts) < rate;
  }

  /** `length` lowercase hex characters derived from the key. */
  hex(length: number, ...parts: DrawKey): string {
    const next = this.stream(parts);
    let out = '';
    while (out.length < length) {
      out += Math.floor(next() * 4294967296)
        .toString(16)
        .padStart(8, '0');
    }
    return out.slice(0, length);
  }

  /** Exponentially distributed with the given rate (mean 1/rate); Infinity for rate <= 0. */
  exponential(rate: number, ...parts: DrawKey): number {
    if (!(rate > 0)) return Infinity;
    return -Math.log(1 - this.draw(...parts)) / rate;
  }
}
