import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import type { ApiConfig } from '../config';

/** Where the built console (Vite output) is looked for when CONSOLE_DIR is not set. */
export function consoleDirectory(
  config: Pick<ApiConfig, 'consoleDir'>,
): string | undefined {
  const candidates =
    config.consoleDir !== undefined
      ? [config.consoleDir]
      : [join(__dirname, 'console'), resolve('dist/apps/console')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/**
 * What a browser needs from the api: CORS for the configured origins (the headers the console and
 * the fetch-based event stream send: Authorization, Last-Event-ID), and the web console's static
 * files at /console. The console holds no secret: it asks for a token and sends it as a header, so
 * it is served without authentication.
 */
export function configureBrowserAccess(
  app: NestExpressApplication,
  config: Pick<ApiConfig, 'corsOrigins' | 'consoleDir'>,
): void {
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: [
        'authorization',
        'content-type',
        'last-event-id',
        'x-request-id',
        'if-match',
      ],
      exposedHeaders: ['x-request-id', 'location'],
      maxAge: 600,
    });
  }
  const dir = consoleDirectory(config);
  const express = app.getHttpAdapter().getInstance() as {
    get(
      path: string,
      handler: (req: Request, res: Response, next: NextFunction) => void,
    ): void;
  };
  if (dir === undefined) {
    express.get('/console', (_req, res) => {
      res
        .status(404)
        .type('application/problem+json')
        .send(
          JSON.stringify({
            type: 'urn:lcm:problem:not-found',
            title: 'Not Found',
            status: 404,
            detail:
              'the web console is not built: npx nx build console (or set CONSOLE_DIR)',
            instance: '/console',
          }),
        );
    });
    return;
  }
  // Express routes ignore a trailing slash: only the bare path is redirected.
  express.get('/console', (req, res, next) =>
    req.path === '/console' ? res.redirect(301, '/console/') : next(),
  );
  app.useStaticAssets(dir, {
    prefix: '/console/',
    index: 'index.html',
    fallthrough: true,
    maxAge: 0,
    setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
  });
}
