import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createPino, JsonLogger, LogLevelName } from '../ops/json-logger';

export interface ServiceOptions {
  service: string;
  port: number;
  host?: string;
  logLevel?: LogLevelName;
  /** Close on SIGTERM/SIGINT (default). The embedded launcher handles signals itself for all apps. */
  shutdownHooks?: boolean;
}

/**
 * Creates, configures and starts one LCM app: JSON logs, graceful shutdown on SIGTERM/SIGINT,
 * listening on host:port (port 0 picks a free one). Returns the app and the URL it serves.
 */
export async function startService(
  module: Type<unknown> | DynamicModule,
  options: ServiceOptions,
): Promise<{ app: INestApplication; url: string; logger: JsonLogger }> {
  const logger = new JsonLogger(createPino(options.service, options.logLevel ?? 'info'));
  const app = await NestFactory.create(module, { logger, bufferLogs: true });
  if (options.shutdownHooks !== false) app.enableShutdownHooks();
  await app.listen(options.port, options.host ?? '0.0.0.0');
  const address = app.getHttpServer().address() as { port: number } | string;
  const port = typeof address === 'string' ? options.port : address.port;
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : 'localhost'}:${port}`;
  return { app, url, logger };
}
