import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ProblemException } from '@lcm/runtime';
import type { Request } from 'express';

const JSON_MEDIA_TYPE = /^application\/(?:json|[A-Za-z0-9.!#$&^_-]+\+json)$/;

/**
 * Request bodies are JSON (or a `+json` type such as `application/cloudevents+json`): a body of any
 * other type is answered 415 before validation would call it merely invalid. Requests without a
 * body (most POST actions) pass. A guard, not a middleware: it runs after authentication (callers
 * without a token learn nothing) and inside the matched route (metrics keep the route template).
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!hasBody(request)) return true;
    const contentType = request.headers['content-type'];
    const mediaType = contentType?.split(';')[0].trim().toLowerCase();
    if (mediaType !== undefined && JSON_MEDIA_TYPE.test(mediaType)) return true;
    throw new ProblemException(
      'unsupported-media-type',
      `request bodies must be application/json${contentType === undefined ? ' (no content-type given)' : `, got ${JSON.stringify(contentType)}`}`,
      {
        errors: [
          { field: 'content-type', message: 'must be application/json' },
        ],
      },
    );
  }
}

function hasBody(request: Request): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(request.headers['content-length'] ?? 0);
  return Number.isFinite(length) && length > 0;
}
