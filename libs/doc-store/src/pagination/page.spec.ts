import fc from 'fast-check';
import {
  compareSortKeys,
  compareStrings,
  decodeCursor,
  encodeCursor,
  resolveLimit,
  type SortOrder,
} from './page';
import { ValidationError } from '@lcm/domain';

const order: SortOrder = [
  { field: 'timeAt', direction: -1, type: 'date' },
  { field: 'source', direction: 1, type: 'string' },
  { field: 'n', direction: -1, type: 'number' },
];

describe('pagination', () => {
  it('compares strings in code point order, as MongoDB does (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'grapheme' }),
        (a, b) => {
          expect(Math.sign(compareStrings(a, b))).toBe(
            Math.sign(
              Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')),
            ),
          );
        },
      ),
    );
    expect(compareStrings('\u{1F600}', '\uFFFD')).toBeGreaterThan(0);
  });

  it('round-trips a sort key through an opaque base64url cursor', () => {
    const key = ['2026-01-16T10:00:00.000Z', 'lcm/api', 3];
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, order)).toEqual(key);
  });

  it('refuses cursors that are not one of its own', () => {
    for (const bad of [
      '',
      '!!!',
      encodeCursor(['x']),
      encodeCursor(['not a date', 'a', 1]),
      encodeCursor(['2026-01-16T10:00:00.000Z', 'a', 'one']),
    ]) {
      expect(() => decodeCursor(bad, order)).toThrow(ValidationError);
    }
  });

  it("applies each field's direction and compares dates as instants", () => {
    expect(
      compareSortKeys(
        order,
        ['2026-01-16T10:00:00Z', 'a', 1],
        ['2026-01-16T09:00:00Z', 'a', 1],
      ),
    ).toBeLessThan(0);
    expect(
      compareSortKeys(
        order,
        ['2026-01-16T10:00:00Z', 'a', 1],
        ['2026-01-16T11:00:00+01:00', 'b', 1],
      ),
    ).toBeLessThan(0);
    expect(
      compareSortKeys(
        order,
        ['2026-01-16T10:00:00Z', 'a', 2],
        ['2026-01-16T10:00:00Z', 'a', 1],
      ),
    ).toBeLessThan(0);
  });

  it('takes 50 by default and 1..500 otherwise', () => {
    expect(resolveLimit(undefined)).toBe(50);
    expect(resolveLimit(500)).toBe(500);
    for (const bad of [0, 501, 1.5, Number.NaN])
      expect(() => resolveLimit(bad)).toThrow(ValidationError);
  });
});
