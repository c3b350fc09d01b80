import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, NestMiddleware } from '@nestjs/common';
import { METRICS_REGISTRY, Principal } from '@lcm/runtime';
import type { NextFunction, Request, Response } from 'express';
import { Histogram, Registry } from 'prom-client';

/** What every log line written while handling a request can name. */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The id of the request being handled (for log fields), if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

export const REQUEST_ID_HEADER = 'x-request-id';
// A caller's id is echoed into headers and logs: keep it short and plain.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request id (the caller's `x-request-id` when it is plain text, else a new UUID; echoed back),
 * one structured access-log line per request, and the `lcm_api_request_duration_seconds` histogram
 * labelled by the route template (`/api/v1/instances/:id`), never the raw path. Headers are never
 * logged, so tokens cannot leak.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  private readonly logger = new Logger('http');
  private readonly duration: Histogram<'method' | 'endpoint' | 'status'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const existing = registry.getSingleMetric(
      'lcm_api_request_duration_seconds',
    ) as Histogram<'method' | 'endpoint' | 'status'> | undefined;
    this.duration =
      existing ??
      new Histogram({
        name: 'lcm_api_request_duration_seconds',
        help: 'API request duration by method, route template and status',
        labelNames: ['method', 'endpoint', 'status'],
        buckets: [
          0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10,
        ],
        registers: [registry],
      });
  }

  use(request: Request, response: Response, next: NextFunction): void {
    const offered = request.headers[REQUEST_ID_HEADER];
    const requestId =
      typeof offered === 'string' && ACCEPTABLE_REQUEST_ID.test(offered)
        ? offered
        : randomUUID();
    response.setHeader(REQUEST_ID_HEADER, requestId);
    const started = process.hrtime.bigint();
    response.on('finish', () =>
      this.record(request, response, requestId, started, true),
    );
    response.on('close', () => {
      if (!response.writableFinished)
        this.record(request, response, requestId, started, false);
    });
    storage.run({ requestId }, () => next());
  }

  private record(
    request: Request,
    response: Response,
    requestId: string,
    started: bigint,
    finished: boolean,
  ): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const endpoint = routeTemplate(request);
    const status = String(response.statusCode);
    this.duration.observe(
      { method: request.method, endpoint, status },
      seconds,
    );
    const subject = (request as Request & { principal?: Principal }).principal
      ?.subject;
    this.logger.log({
      msg: `${request.method} ${endpoint} ${status}`,
      requestId,
      method: request.method,
      path: request.originalUrl.split('?')[0],
      endpoint,
      status: response.statusCode,
      durationMs: Math.round(seconds * 1e6) / 1e3,
      ...(subject !== undefined ? { subject } : {}),
      ...(finished ? {} : { aborted: true }),
    });
  }
}

/** The matched route's template, e.g. `/api/v1/instances/:id`; `unmatched` when no route matched. */
export function routeTemplate(request: Request): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : 'unmatched';
}
