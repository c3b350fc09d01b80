import type { Model } from 'mongoose';
import {
  decodeCursor,
  encodeCursor,
  type Page,
  type SortOrder,
  type SortValue,
} from '../pagination/page';
import { mongoCall } from './mongo-errors';

type Filter = Record<string, unknown>;

export function mongoSort(order: SortOrder): Record<string, 1 | -1> {
  return Object.fromEntries(order.map((f) => [f.field, f.direction]));
}

/**
 * "Strictly after this key" under `order`, as a query: (f0 > v0) or (f0 = v0 and f1 > v1) or ...,
 * where ">" means "<" for descending fields. Uses only $or, $gt and $lt (FerretDB has them).
 */
export function keysetAfter(
  order: SortOrder,
  key: readonly SortValue[],
): Filter {
  const value = (i: number): unknown =>
    order[i].type === 'date' ? new Date(key[i] as string) : key[i];
  const clauses = order.map((field, i) => {
    const clause: Filter = {};
    for (let j = 0; j < i; j++) clause[order[j].field] = value(j);
    clause[field.field] = { [field.direction === 1 ? '$gt' : '$lt']: value(i) };
    return clause;
  });
  return { $or: clauses };
}

/** One page by keyset: `limit + 1` documents tell whether another page follows. */
export async function findPage<D, R>(args: {
  model: Model<D>;
  filter: Filter;
  order: SortOrder;
  limit: number;
  cursor: string | null;
  projection?: Record<string, 0 | 1>;
  sortKey: (doc: R) => SortValue[];
  map: (doc: D) => R;
}): Promise<Page<R>> {
  const { model, order, limit, cursor } = args;
  const filter =
    cursor === null
      ? args.filter
      : {
          $and: [args.filter, keysetAfter(order, decodeCursor(cursor, order))],
        };
  const docs = await mongoCall(() =>
    model
      .find(filter, args.projection ?? null)
      .sort(mongoSort(order))
      .limit(limit + 1)
      .lean<D[]>()
      .exec(),
  );
  const items = docs.slice(0, limit).map(args.map);
  return {
    items,
    nextCursor:
      docs.length > limit
        ? encodeCursor(args.sortKey(items[items.length - 1]))
        : null,
  };
}
