import type { StoreLogger } from '@lcm/state-store';

/** The logger the reconcilers write to: the one logger port (a Nest Logger in the app; silent in unit tests). */
export type ControllerLogger = StoreLogger;

export const silentLogger: ControllerLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string'
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}
