import { ValidationError } from '@lcm/domain';

/** One page of a list, newest-first or name-ordered as each repository documents. */
export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PageRequest {
  /** 1..500, default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. Opaque. */
  cursor?: string | null;
}

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

export function resolveLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new ValidationError(
      'limit',
      `must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${String(limit)}`,
    );
  }
  return limit;
}

/** A value of a sort key: what a cursor remembers of the last item of a page. */
export type SortValue = string | number;

/**
 * One field of a list's sort order. `field` is the stored (MongoDB) field name; `type: 'date'`
 * values travel through cursors as ISO strings and are compared as instants.
 */
export interface SortField {
  field: string;
  direction: 1 | -1;
  type: 'string' | 'number' | 'date';
}

/** A list's total order: the last field(s) must make the key unique, so no item is skipped or repeated. */
export type SortOrder = readonly SortField[];

/** The cursor is base64url JSON of the last item's sort key. */
export function encodeCursor(key: readonly SortValue[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, order: SortOrder): SortValue[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError(
      'cursor',
      'is not a cursor returned by this list',
    );
  }
  const valid =
    Array.isArray(key) &&
    key.length === order.length &&
    order.every((f, i) =>
      f.type === 'number'
        ? typeof key[i] === 'number' && Number.isFinite(key[i])
        : typeof key[i] === 'string' &&
          (f.type === 'string' || !Number.isNaN(Date.parse(key[i]))),
    );
  if (!valid)
    throw new ValidationError(
      'cursor',
      'is not a cursor returned by this list',
    );
  return key as SortValue[];
}

/**
 * Strings compare by Unicode code point, the order MongoDB (binary collation) uses, so the memory
 * driver pages exactly like the mongo driver even for characters outside the BMP.
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const surrogateX = x >= 0xd800 && x <= 0xdfff;
      const surrogateY = y >= 0xd800 && y <= 0xdfff;
      if (surrogateX === surrogateY) return x < y ? -1 : 1;
      return surrogateX ? 1 : -1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Compares two sort keys under `order` (direction applied): < 0 when `a` comes first. */
export function compareSortKeys(
  order: SortOrder,
  a: readonly SortValue[],
  b: readonly SortValue[],
): number {
  for (let i = 0; i < order.length; i++) {
    const field = order[i];
    const x = a[i];
    const y = b[i];
    let c: number;
    if (field.type === 'string') c = compareStrings(x as string, y as string);
    else if (field.type === 'date')
      c = Math.sign(Date.parse(x as string) - Date.parse(y as string));
    else c = Math.sign((x as number) - (y as number));
    if (c !== 0) return c * field.direction;
  }
  return 0;
}
