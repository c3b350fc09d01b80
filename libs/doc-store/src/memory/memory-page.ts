import {
  compareSortKeys,
  decodeCursor,
  encodeCursor,
  type Page,
  type SortOrder,
  type SortValue,
} from '../pagination/page';

/**
 * Keyset pagination over documents in memory, with the same order and cursor format as the mongo
 * driver: sort by `order`, skip everything up to and including the cursor's key, take `limit`.
 */
export function pageFromSorted<T, R>(
  docs: readonly T[],
  order: SortOrder,
  sortKey: (doc: T) => SortValue[],
  limit: number,
  cursor: string | null,
  project: (doc: T) => R,
): Page<R> {
  const after = cursor === null ? null : decodeCursor(cursor, order);
  const keyed = docs.map((doc) => ({ doc, key: sortKey(doc) }));
  keyed.sort((a, b) => compareSortKeys(order, a.key, b.key));
  const start = after === null ? 0 : firstAfter(keyed, order, after);
  const slice = keyed.slice(start, start + limit + 1);
  const hasMore = slice.length > limit;
  const items = slice.slice(0, limit);
  return {
    items: items.map((entry) => project(entry.doc)),
    nextCursor: hasMore ? encodeCursor(items[items.length - 1].key) : null,
  };
}

/** Index of the first entry sorting strictly after `key` (binary search). */
export function firstAfter(
  sorted: readonly { key: SortValue[] }[],
  order: SortOrder,
  key: readonly SortValue[],
): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareSortKeys(order, sorted[mid].key, key) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
