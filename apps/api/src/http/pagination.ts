import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ProblemException } from '@lcm/runtime';
import { CURSOR, MatchesDocumented } from './dto-validators';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/** `limit` (1..500, default 50) and the opaque `cursor` of the previous page's `nextCursor`. */
export class PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
    default: DEFAULT_PAGE_LIMIT,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({
    description:
      'nextCursor of the previous page (opaque; any other value is refused with 400)',
    pattern: CURSOR.source,
    minLength: 1,
    maxLength: 1024,
  })
  @IsOptional()
  @MatchesDocumented(CURSOR, {
    message: 'cursor must be a cursor returned by this list',
  })
  cursor?: string;
}

/** One page of a list; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  /** The store revision a list served from a watch cache was read at. */
  resourceVersion?: number;
}

export type SortKey = (string | number)[];

/** Items in the order of their keys, built once and paged many times (see pageOfSorted). */
export interface SortedItems<T> {
  readonly entries: readonly { key: SortKey; item: T }[];
}

export function sortItems<T>(
  items: Iterable<T>,
  keyOf: (item: T) => SortKey,
): SortedItems<T> {
  const entries = [...items].map((item) => ({ key: keyOf(item), item }));
  entries.sort((a, b) => compareKeys(a.key, b.key));
  return { entries };
}

/**
 * The same pages as `paginate`, over items already sorted: the cursor is found by binary search and
 * only the page (and the items `matches` skips) is visited, not the whole list.
 */
export function pageOfSorted<T>(
  sorted: SortedItems<T>,
  matches: (item: T) => boolean,
  query: PageQueryDto,
): Page<T> {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  const { entries } = sorted;
  let start = 0;
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    let high = entries.length;
    while (start < high) {
      const middle = (start + high) >>> 1;
      if (compareKeys(entries[middle].key, after) > 0) high = middle;
      else start = middle + 1;
    }
  }
  const page: { key: SortKey; item: T }[] = [];
  let more = false;
  for (let i = start; i < entries.length; i++) {
    if (!matches(entries[i].item)) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(entries[i]);
  }
  return {
    items: page.map(({ item }) => item),
    nextCursor: more ? encodeCursor(page[page.length - 1].key) : null,
  };
}

/**
 * Keyset pagination over an in-memory list (etcd records are read whole): items sorted by `keyOf`
 * (ascending; the key must be unique), the page after `cursor`. Stable while writes continue.
 */
export function paginate<T>(
  items: readonly T[],
  keyOf: (item: T) => SortKey,
  query: PageQueryDto,
): Page<T> {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  const after =
    query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const keyed = items.map((item) => ({ key: keyOf(item), item }));
  const rest = (
    after === undefined
      ? keyed
      : keyed.filter(({ key }) => compareKeys(key, after) > 0)
  ).sort((a, b) => compareKeys(a.key, b.key));
  const page = rest.slice(0, limit);
  const nextCursor =
    rest.length > limit ? encodeCursor(page[page.length - 1].key) : null;
  return { items: page.map(({ item }) => item), nextCursor };
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): SortKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (
    !Array.isArray(key) ||
    key.length === 0 ||
    !key.every((part) => typeof part === 'string' || typeof part === 'number')
  ) {
    throw new ProblemException(
      'validation-error',
      'cursor: is not a cursor returned by this list',
      {
        errors: [
          { field: 'cursor', message: 'is not a cursor returned by this list' },
        ],
      },
    );
  }
  return key as SortKey;
}
