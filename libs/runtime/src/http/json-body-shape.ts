import type { NextFunction, Request, Response } from 'express';
import { ProblemException } from '../problems/problem-details';

/** Deepest nesting of objects and arrays a request body may have (the body itself is level 1). */
export const MAX_JSON_DEPTH = 64;

/**
 * Keys that name the prototype machinery: no LCM body has such a field, and a body that carries one
 * is refused like any unknown field instead of being dropped (or merged into a prototype) on the way.
 */
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

export interface JsonShapeIssue {
  field: string;
  message: string;
  kind: 'too-deep' | 'forbidden-key';
}

/**
 * Walks a parsed JSON value without recursion (so no depth can overflow the stack) and reports the
 * first place deeper than `maxDepth` or the first forbidden key, with its path (`a.b[0].c`).
 */
export function findJsonShapeIssue(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
): JsonShapeIssue | undefined {
  const pending: { value: unknown; path: string; depth: number }[] = [
    { value, path: '', depth: 1 },
  ];
  while (pending.length > 0) {
    const item = pending.pop() as {
      value: unknown;
      path: string;
      depth: number;
    };
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth > maxDepth) {
      return {
        field: item.path || '(body)',
        message: `nests deeper than ${maxDepth} levels of objects and arrays`,
        kind: 'too-deep',
      };
    }
    if (Array.isArray(item.value)) {
      item.value.forEach((child, i) =>
        pending.push({
          value: child,
          path: `${item.path}[${i}]`,
          depth: item.depth + 1,
        }),
      );
      continue;
    }
    for (const key of Object.keys(item.value)) {
      const path = item.path ? `${item.path}.${key}` : key;
      if (FORBIDDEN_JSON_KEYS.has(key))
        return {
          field: path,
          message: 'is not a known field',
          kind: 'forbidden-key',
        };
      pending.push({
        value: (item.value as Record<string, unknown>)[key],
        path,
        depth: item.depth + 1,
      });
    }
  }
  return undefined;
}

/**
 * Express middleware placed right after the JSON body parser: a body nested deeper than the limit or
 * carrying a forbidden key is answered 400 (problem+json, the field named) before anything else reads
 * it, so validation never recurses through it and nothing downstream sees the key.
 */
export function jsonBodyShapeCheck(maxDepth = MAX_JSON_DEPTH) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const issue =
      request.body === undefined
        ? undefined
        : findJsonShapeIssue(request.body, maxDepth);
    if (issue === undefined) return next();
    const problem = new ProblemException(
      'validation-error',
      `${issue.field}: ${issue.message}`,
      { errors: [{ field: issue.field, message: issue.message }] },
    ).problem;
    response
      .status(problem.status)
      .type('application/problem+json')
      .send(JSON.stringify({ ...problem, instance: request.originalUrl }));
  };
}
