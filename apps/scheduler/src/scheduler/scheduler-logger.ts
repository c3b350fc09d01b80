import type { StoreLogger } from '@lcm/state-store';

/** What the scheduler core logs through: the one logger port (StoreLogger). */
export type SchedulerLogger = StoreLogger;

export const SILENT_LOGGER: SchedulerLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
