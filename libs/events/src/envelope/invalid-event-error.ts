import type { EventIssue } from '../catalog/validate-event-data';

/**
 * A CloudEvent that breaks the envelope rules or its type's data schema. Emitting one is a
 * programming error; receiving one is the sender's (the api answers 400 with `issues`).
 */
export class InvalidEventError extends Error {
  readonly code = 'INVALID_EVENT' as const;
  readonly issues: readonly EventIssue[];

  constructor(summary: string, issues: readonly EventIssue[]) {
    const detail = issues
      .map((issue) => `${issue.field}: ${issue.message}`)
      .join('; ');
    super(detail === '' ? summary : `${summary}: ${detail}`);
    this.name = 'InvalidEventError';
    this.issues = issues;
  }
}

export function isInvalidEventError(
  error: unknown,
): error is InvalidEventError {
  return error instanceof InvalidEventError;
}
