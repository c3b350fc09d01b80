import type { NextFunction, Request, Response } from 'express';
import { ProblemException } from '../problems/problem-details';

/** The part of an OpenAPI document this needs: its paths and the operations (methods) of each. */
export interface OpenApiPaths {
  paths: Record<string, object | undefined>;
}

const HTTP_METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
];

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

/** `/api/v1/instances/{id}/stop` -> a regex matching one non-empty segment per parameter. */
function pathPattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) =>
      part.startsWith('{')
        ? '[^/]+'
        : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}/?$`);
}

/**
 * Answers a request for a documented path with a method the document does not declare for it: 405
 * with `Allow` (problem+json), instead of the router's 404, which would say the resource does not
 * exist. The OpenAPI document is the one list of what each path accepts; HEAD is allowed wherever
 * GET is (express answers it). Paths the document does not know pass on (and get 404).
 */
export function methodNotAllowed(document: OpenApiPaths) {
  const known: KnownPath[] = Object.entries(document.paths).map(
    ([template, item]) => {
      const methods = new Set(
        Object.keys(item ?? {})
          .filter((key) => HTTP_METHODS.includes(key))
          .map((method) => method.toUpperCase()),
      );
      if (methods.has('GET')) methods.add('HEAD');
      return { pattern: pathPattern(template), methods };
    },
  );
  return (request: Request, response: Response, next: NextFunction): void => {
    const matching = known.filter((path) => path.pattern.test(request.path));
    if (
      matching.length === 0 ||
      matching.some((path) => path.methods.has(request.method))
    )
      return next();
    const allow = [...new Set(matching.flatMap((path) => [...path.methods]))]
      .sort()
      .join(', ');
    const problem = new ProblemException(
      'method-not-allowed',
      `${request.method} is not allowed on ${request.path}; allowed: ${allow}`,
    ).problem;
    response
      .status(problem.status)
      .setHeader('Allow', allow)
      .type('application/problem+json')
      .send(JSON.stringify({ ...problem, instance: request.originalUrl }));
  };
}
