/** What doc-store logs through: the app's structured logger (a NestJS Logger fits), silent by default. */
export interface DocStoreLogger {
  log(message: string): void;
  warn(message: string): void;
}

export const silentLogger: DocStoreLogger = { log: () => undefined, warn: () => undefined };
