import { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { createPino, JsonLogger, LogLevelName } from '../ops/json-logger';
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
 */
export async function startService(
  module: Type<unknown> | DynamicModule,
  options: ServiceOptions,
): Promise<{ app: NestExpressApplication; url: string; logger: JsonLogger }> {
  const logger = new JsonLogger(
    createPino(options.service, options.logLevel ?? 'info'),
  );
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger,
    bufferLogs: true,
    bodyParser: false,
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
