import { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream } from 'pino';
import { createPino, JsonLogger, LogLevelName } from '../ops/json-logger';
import { runAsService, serviceLogRouter } from '../ops/service-log-router';
import type { NextFunction, Request, Response } from 'express';
import {
  ProblemDetailsFilter,
  toProblem,
} from '../problems/problem-details.filter';
import { jsonBodyShapeCheck } from '../http/json-body-shape';

export interface ServiceOptions {
  service: string;
  port: number;
  host?: string;
  logLevel?: LogLevelName;
  /** Where the JSON log lines go (default stdout). */
  logDestination?: DestinationStream;
  /** Close on SIGTERM/SIGINT (default). The embedded launcher handles signals itself for all apps. */
  shutdownHooks?: boolean;
  /** Largest accepted JSON body (default 2mb: a definition carries up to 1 MiB of lab YAML). */
  bodyLimit?: string;
  /** Runs after the app is created and before it listens (OpenAPI, extra middleware...). */
  configure?(app: NestExpressApplication): void | Promise<void>;
}

/**
 * Creates, configures and starts one LCM app: JSON logs, graceful shutdown on SIGTERM/SIGINT,
 * listening on host:port (port 0 picks a free one). Returns the app and the URL it serves.
 *
 * Every line the app logs (its own `new Logger(...)`, Nest's, its requests', its timers') carries its
 * service, even with other apps in the same process: the app is built, served and closed as that
 * service (runAsService).
 */
export async function startService(
  module: Type<unknown> | DynamicModule,
  options: ServiceOptions,
): Promise<{ app: NestExpressApplication; url: string; logger: JsonLogger }> {
  const logger = new JsonLogger(
    createPino(
      options.service,
      options.logLevel ?? 'info',
      options.logDestination,
    ),
  );
  return runAsService(logger, () => createAndListen(module, options, logger));
}

async function createAndListen(
  module: Type<unknown> | DynamicModule,
  options: ServiceOptions,
  logger: JsonLogger,
): Promise<{ app: NestExpressApplication; url: string; logger: JsonLogger }> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger: serviceLogRouter,
    bufferLogs: true,
    bodyParser: false,
  });
  // Requests are served, and the app closed, as this service, whoever calls close().
  app.use((_request: Request, _response: Response, next: NextFunction) =>
    runAsService(logger, next),
  );
  // Nest's app is a Proxy whose `set` ignores assignments and whose methods are looked up on every
  // call: define the property on its target, and call the class's own close.
  const close = (Object.getPrototypeOf(app) as NestExpressApplication).close;
  Object.defineProperty(app, 'close', {
    configurable: true,
    writable: true,
    value: (...args: Parameters<typeof close>) =>
      runAsService(logger, () => close.apply(app, args)),
  });
  if (options.shutdownHooks !== false) app.enableShutdownHooks();
  app.useBodyParser('json', {
    limit: options.bodyLimit ?? '2mb',
    type: ['application/json', 'application/*+json'],
  });
  // Too deep, or a prototype key: 400 before validation (which recurses, and drops such keys silently).
  app.use(jsonBodyShapeCheck());
  // Body-parser errors (bad JSON, too large, bad charset) are answered here, before Nest turns them
  // into a bare 400, so they keep their own problem type.
  app.use(
    (
      error: unknown,
      request: Request,
      response: Response,
      next: NextFunction,
    ) => {
      if (!(error as { type?: string } | null)?.type) return next(error);
      const problem = { ...toProblem(error), instance: request.originalUrl };
      response
        .status(problem.status)
        .type('application/problem+json')
        .send(JSON.stringify(problem));
    },
  );
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.disable('x-powered-by');
  await options.configure?.(app);
  await app.listen(options.port, options.host ?? '0.0.0.0');
  const address = app.getHttpServer().address() as { port: number } | string;
  const port = typeof address === 'string' ? options.port : address.port;
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : 'localhost'}:${port}`;
  return { app, url, logger };
}
