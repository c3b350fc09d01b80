import { LoggerService, LogLevel } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';

export type LogLevelName =
  | 'fatal'
  | 'error'
  | 'warn'
  | 'info'
  | 'debug'
  | 'trace'
  | 'silent';

/** Structured JSON logs (pino), one line per entry: time, level, service, context, msg and fields. */
export function createPino(
  service: string,
  level: LogLevelName = 'info',
  destination?: pino.DestinationStream,
): Pino {
  return pino(
    {
      level,
      base: { service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Never log credentials, whatever a caller passes in.
      redact: {
        paths: [
          'authorization',
          'token',
          'password',
          'secret',
          '*.authorization',
          '*.token',
          '*.password',
          '*.secret',
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** NestJS LoggerService backed by pino, so framework and application logs share one format. */
export class JsonLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
  setLogLevels(levels: LogLevel[]): void {
    const order: LogLevelName[] = [
      'trace',
      'debug',
      'info',
      'warn',
      'error',
      'fatal',
    ];
    const map: Record<LogLevel, LogLevelName> = {
      verbose: 'trace',
      debug: 'debug',
      log: 'info',
      warn: 'warn',
      error: 'error',
      fatal: 'fatal',
    };
    const lowest = order.find((l) => levels.some((n) => map[n] === l));
    this.pino.level = lowest ?? 'silent';
  }

  private write(
    level: Exclude<LogLevelName, 'silent'>,
    message: unknown,
    rest: unknown[],
  ): void {
    // Nest passes the context as the last string argument, and an error stack before it.
    const args = [...rest];
    const context =
      typeof args[args.length - 1] === 'string'
        ? (args.pop() as string)
        : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    for (const arg of args) {
      if (arg instanceof Error) fields['err'] = arg;
      else if (typeof arg === 'string') fields['stack'] = arg;
      else if (arg && typeof arg === 'object') Object.assign(fields, arg);
    }
    if (message instanceof Error)
      this.pino[level]({ ...fields, err: message }, message.message);
    else if (message && typeof message === 'object')
      this.pino[level]({ ...fields, ...(message as object) });
    else this.pino[level](fields, String(message));
  }
}
