import { requireString } from '@lcm/domain';
import { resolveLimit } from './page';

/** `limit` (1..500, default 50) and `cursor` of a list query, checked. */
export function readPageRequest(query: Record<string, unknown>): {
  limit: number;
  cursor: string | null;
} {
  const limit = resolveLimit(
    query['limit'] == null ? undefined : (query['limit'] as number),
  );
  const cursor =
    query['cursor'] == null
      ? null
      : requireString(query['cursor'], 'cursor', { max: 4096 });
  return { limit, cursor };
}
