import { randomUUID } from 'node:crypto';

/** Injected time and identity, so tests control both; defaults are the system clock and UUID v4. */
export interface RepositoryOptions {
  now?: () => Date;
  newId?: () => string;
}

export interface ResolvedRepositoryOptions {
  now: () => Date;
  newId: () => string;
}

export function resolveRepositoryOptions(options: RepositoryOptions = {}): ResolvedRepositoryOptions {
  return { now: options.now ?? (() => new Date()), newId: options.newId ?? randomUUID };
}
