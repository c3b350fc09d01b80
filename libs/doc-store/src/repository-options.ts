import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '@lcm/domain';

/** Injected time and identity, so tests control both; defaults are the system clock and UUID v4. */
export interface RepositoryOptions {
  clock?: Clock;
  newId?: () => string;
}

export interface ResolvedRepositoryOptions {
  clock: Clock;
  newId: () => string;
}

export function resolveRepositoryOptions(
  options: RepositoryOptions = {},
): ResolvedRepositoryOptions {
  return {
    clock: options.clock ?? systemClock,
    newId: options.newId ?? randomUUID,
  };
}
