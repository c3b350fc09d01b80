import type { StoreLogger } from '@lcm/state-store';

/** What doc-store logs through: the one logger port (StoreLogger), silent by default. */
export type DocStoreLogger = StoreLogger;

export const silentLogger: DocStoreLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
