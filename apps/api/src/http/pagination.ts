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
}

type SortKey = (string | number)[];

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
