import { AsyncLocalStorage } from 'node:async_hooks';
import { LoggerService, LogLevel } from '@nestjs/common';

/**
 * Nest's `Logger` is static: every `new Logger('context')` and every framework line goes to the one
 * process-wide logger the last `NestFactory.create` installed. With several apps in one process (the
 * embedded mode) that tagged every line with the last app's service. The router is that one logger
 * for every app, and hands each line to the logger of the app whose work is running: startService
 * creates, starts, serves and closes each app inside `runAsService`, and everything the app schedules
 * from there (timers, watches, requests) keeps the app's async context.
 */
class ServiceLogRouter implements LoggerService {
  private readonly current = new AsyncLocalStorage<LoggerService>();
  /** For lines logged outside any app (a launcher's own): the most recently started app's logger. */
  private fallback?: LoggerService;

  run<T>(logger: LoggerService, work: () => T): T {
    this.fallback = logger;
    return this.current.run(logger, work);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.target()?.log(message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.target()?.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.target()?.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.target()?.debug?.(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.target()?.verbose?.(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.target()?.fatal?.(message, ...rest);
  }
  setLogLevels(levels: LogLevel[]): void {
    this.target()?.setLogLevels?.(levels);
  }

  private target(): LoggerService | undefined {
    return this.current.getStore() ?? this.fallback;
  }
}

/** The process-wide Nest logger of every LCM app (see ServiceLogRouter). */
export const serviceLogRouter = new ServiceLogRouter();

/** Runs `work` (and all it schedules) as the app whose lines `logger` writes. */
export function runAsService<T>(logger: LoggerService, work: () => T): T {
  return serviceLogRouter.run(logger, work);
}
