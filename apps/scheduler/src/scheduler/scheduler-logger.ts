/** The part of a NestJS LoggerService the scheduler core uses (Nest's Logger and JsonLogger fit). */
export interface SchedulerLogger {
  log(message: string, context?: string): void;
  warn(message: string, context?: string): void;
  error(message: string, context?: string): void;
  debug?(message: string, context?: string): void;
}

export const SILENT_LOGGER: SchedulerLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
