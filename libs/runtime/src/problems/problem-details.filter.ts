import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import * as doc from '@lcm/doc-store';
import * as domain from '@lcm/domain';
import { NotLeaderError, StoreUnavailableError } from '@lcm/state-store';
import type { Request, Response } from 'express';
import {
  ProblemDetails,
  ProblemException,
  ProblemKind,
  PROBLEM_TITLES,
  problemType,
} from './problem-details';

/**
 * The one place errors become HTTP answers: every error kind maps to one status and a stable problem
 * type, as `application/problem+json`. Unknown errors are 500 with no internals in the body.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    if (response.headersSent) return;
    // Terminus answers /readyz with its own report (and 503): keep it, it is what probes and people read.
    if (error instanceof HttpException && isHealthReport(error.getResponse())) {
      response.status(error.getStatus()).json(error.getResponse());
      return;
    }
    const problem = {
      ...toProblem(error),
      instance: request.originalUrl ?? request.url,
    };
    if (problem.status >= 500)
      this.logger.error(
        `${request.method} ${request.originalUrl}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    if (problem.status === 401)
      response.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
    response
      .status(problem.status)
      .type('application/problem+json')
      .send(JSON.stringify(problem));
  }
}

function isHealthReport(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    'status' in body &&
    'details' in body
  );
}

function make(
  kind: ProblemKind,
  detail?: string,
  extra: Partial<ProblemDetails> = {},
): ProblemDetails {
  const [status, title] = PROBLEM_TITLES[kind];
  return {
    type: problemType(kind),
    title,
    status,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

export function toProblem(error: unknown): ProblemDetails {
  if (error instanceof ProblemException) return error.problem;
  if (error instanceof ThrottlerException)
    return make(
      'rate-limited',
      'slow down: too many requests from this identity',
    );
  // Domain errors.
  if (error instanceof domain.ValidationError)
    return make('unprocessable', error.message, {
      errors: [{ field: error.field, message: error.message }],
    });
  if (error instanceof domain.NotFound) return make('not-found', error.message);
  if (error instanceof domain.InvalidTransition)
    return make('invalid-transition', error.message, {
      from: error.from,
      to: error.to,
    });
  if (error instanceof domain.Conflict)
    return make('conflict', `${error.message}; retry`);
  if (
    error instanceof domain.CapacityExceeded ||
    error instanceof domain.PortExhausted
  )
    return make('conflict', error.message);
  // Document store errors.
  if (error instanceof doc.NotFoundError)
    return make('not-found', error.message);
  if (error instanceof doc.DuplicateError)
    return make('duplicate', error.message);
  if (error instanceof doc.InUseError) return make('in-use', error.message);
  if (
    error instanceof doc.StoreUnavailableError ||
    error instanceof StoreUnavailableError
  )
    return make('unavailable', 'a backing store is unavailable; retry later');
  if (error instanceof NotLeaderError)
    return make('unavailable', 'this replica is not the leader; retry');
  // Framework and body-parser errors.
  const parserType = (error as { type?: string } | undefined)?.type;
  if (parserType === 'entity.parse.failed')
    return make('invalid-json', 'the request body is not valid JSON');
  if (parserType === 'entity.too.large')
    return make(
      'payload-too-large',
      'the request body is larger than the limit',
    );
  if (
    parserType === 'charset.unsupported' ||
    parserType === 'encoding.unsupported'
  )
    return make('unsupported-media-type', (error as Error).message);
  if (error instanceof HttpException) return fromHttpException(error);
  return make('internal');
}

function fromHttpException(error: HttpException): ProblemDetails {
  const status = error.getStatus();
  const body = error.getResponse();
  const kind: ProblemKind =
    status === 400
      ? 'validation-error'
      : status === 401
        ? 'unauthorized'
        : status === 403
          ? 'forbidden'
          : status === 404
            ? 'not-found'
            : status === 409
              ? 'conflict'
              : status === 413
                ? 'payload-too-large'
                : status === 415
                  ? 'unsupported-media-type'
                  : status === 422
                    ? 'unprocessable'
                    : status === 429
                      ? 'rate-limited'
                      : status === 503
                        ? 'unavailable'
                        : status >= 500
                          ? 'internal'
                          : 'bad-request';
  const messages =
    typeof body === 'object' && body !== null
      ? (body as { message?: unknown }).message
      : body;
  // class-validator (ValidationPipe) reports an array of "field message" strings.
  if (Array.isArray(messages)) {
    const errors = messages
      .map((m) => String(m))
      .map((m) => ({ field: m.split(' ')[0] ?? '', message: m }));
    return make(kind, errors.map((e) => e.message).join('; '), { errors });
  }
  return make(kind, typeof messages === 'string' ? messages : error.message);
}
