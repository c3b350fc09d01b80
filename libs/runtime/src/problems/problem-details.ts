import { HttpException } from '@nestjs/common';

/** RFC 9457 problem details, as every LCM endpoint reports errors (`application/problem+json`). */
export interface ProblemDetails {
  /** Stable per error kind: `urn:lcm:problem:<kind>`. */
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** The offending fields, when the problem is about input. */
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

export type ProblemKind =
  | 'bad-request'
  | 'validation-error'
  | 'invalid-json'
  | 'unsupported-media-type'
  | 'payload-too-large'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'invalid-transition'
  | 'duplicate'
  | 'in-use'
  | 'unprocessable'
  | 'rate-limited'
  | 'unavailable'
  | 'internal';

export const PROBLEM_TITLES: Record<ProblemKind, [number, string]> = {
  'bad-request': [400, 'Bad request'],
  'validation-error': [400, 'Invalid request'],
  'invalid-json': [400, 'Malformed JSON body'],
  'unsupported-media-type': [415, 'Unsupported media type'],
  'payload-too-large': [413, 'Payload too large'],
  unauthorized: [401, 'Authentication required'],
  forbidden: [403, 'Not allowed'],
  'not-found': [404, 'Not found'],
  'method-not-allowed': [405, 'Method not allowed'],
  conflict: [409, 'Conflict'],
  'invalid-transition': [409, 'Not allowed in the current state'],
  duplicate: [409, 'Already exists'],
  'in-use': [409, 'In use'],
  unprocessable: [422, 'Cannot be processed'],
  'rate-limited': [429, 'Too many requests'],
  unavailable: [503, 'Service unavailable'],
  internal: [500, 'Internal error'],
};

export function problemType(kind: ProblemKind): string {
  return `urn:lcm:problem:${kind}`;
}

/** Throw this to answer with a given problem: `throw new ProblemException('not-found', 'instance x not found')`. */
export class ProblemException extends HttpException {
  constructor(
    readonly kind: ProblemKind,
    detail?: string,
    extra: Partial<ProblemDetails> = {},
  ) {
    const [status, title] = PROBLEM_TITLES[kind];
    super(
      {
        type: problemType(kind),
        title,
        status,
        ...(detail ? { detail } : {}),
        ...extra,
      } satisfies ProblemDetails,
      status,
    );
  }

  get problem(): ProblemDetails {
    return this.getResponse() as ProblemDetails;
  }
}
