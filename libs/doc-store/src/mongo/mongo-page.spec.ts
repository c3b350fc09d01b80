import fc from 'fast-check';
import {
  compareSortKeys,
  type SortOrder,
  type SortValue,
} from '../pagination/page';
import { keysetAfter, mongoSort } from './mongo-page';

const order: SortOrder = [
  { field: 'timeAt', direction: -1, type: 'date' },
  { field: 'source', direction: -1, type: 'string' },
  { field: 'id', direction: 1, type: 'string' },
];

type Doc = Record<string, unknown>;
type Query = Record<string, unknown>;

/** Evaluates the operators keysetAfter uses ($or, $gt, $lt, equality) the way MongoDB does. */
function matches(query: Query, doc: Doc): boolean {
  return Object.entries(query).every(([field, condition]) => {
    if (field === '$or')
      return (condition as Query[]).some((q) => matches(q, doc));
    const value = doc[field];
    const cmp = (other: unknown): number => {
      const a = value instanceof Date ? value.getTime() : (value as string);
      const b = other instanceof Date ? other.getTime() : (other as string);
      return typeof a === 'number'
        ? Math.sign(a - (b as number))
        : Buffer.compare(Buffer.from(a), Buffer.from(b as string));
    };
    if (
      condition !== null &&
      typeof condition === 'object' &&
      !(condition instanceof Date)
    ) {
      const ops = condition as Query;
      return (
        ('$gt' in ops ? cmp(ops['$gt']) > 0 : true) &&
        ('$lt' in ops ? cmp(ops['$lt']) < 0 : true)
      );
    }
    return cmp(condition) === 0;
  });
}

const key = fc.tuple(
  fc
    .integer({ min: 0, max: 5 })
    .map((m) => new Date(Date.UTC(2026, 0, 16, 10, m)).toISOString()),
  fc.constantFrom('lcm/api', 'lcm/controller', 'lcm/scheduler'),
  fc.constantFrom('a', 'b', 'c'),
);

describe('keyset pagination for MongoDB', () => {
  it("sorts by the order's fields and directions", () => {
    expect(mongoSort(order)).toEqual({ timeAt: -1, source: -1, id: 1 });
  });

  it('selects exactly the documents that sort after the cursor, as the memory driver does (property)', () => {
    fc.assert(
      fc.property(key, key, (docKey, cursor) => {
        const doc: Doc = {
          timeAt: new Date(docKey[0]),
          source: docKey[1],
          id: docKey[2],
        };
        const after = matches(keysetAfter(order, cursor as SortValue[]), doc);
        expect(after).toBe(compareSortKeys(order, docKey, cursor) > 0);
      }),
    );
  });
});
