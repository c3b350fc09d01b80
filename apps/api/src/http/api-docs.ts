import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';

const PROBLEM = {
  'application/problem+json': {
    schema: {
      type: 'object',
      required: ['type', 'title', 'status'],
      properties: {
        type: { type: 'string', example: 'urn:lcm:problem:validation-error' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        instance: { type: 'string' },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              field: { type: 'string' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

const DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request (validation-error, invalid-json, bad-request)',
  401: 'no or invalid bearer token',
  403: 'the caller lacks the role',
  404: 'not found',
  409: 'conflict: the state does not allow it, a duplicate, in use, or a concurrent change',
  413: 'body too large',
  415: 'body is not JSON',
  422: 'well-formed but not acceptable (admission, definition rules)',
  429: 'rate limited',
};

/** The problem+json answers a route can give, besides the ones every protected route gives. */
export function ApiProblems(
  ...statuses: number[]
): MethodDecorator & ClassDecorator {
  const all = [...new Set([401, 403, 429, ...statuses])].sort();
  return applyDecorators(
    ApiBearerAuth(),
    ...all.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'problem',
        content: PROBLEM,
      }),
    ),
  );
}
