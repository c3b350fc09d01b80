/**
 * Bad input is the domain's `ValidationError` (`@lcm/domain`: `field` names the offending path, nothing
 * was written); the store's own failures are these.
 *
 * One error type per failure kind, each with a stable `code`, so the HTTP layer maps them to
 * problem+json once (NOT_FOUND -> 404, DUPLICATE / IN_USE -> 409,
 * STORE_UNAVAILABLE -> 503). Repositories never let a raw driver error through for these cases.
 */
export type DocStoreErrorCode =
  | 'NOT_FOUND'
  | 'DUPLICATE'
  | 'IN_USE'
  | 'STORE_UNAVAILABLE';

/** The documents this library stores. */
export type DocumentKind = 'definition' | 'template' | 'auditEvent';

export abstract class DocStoreError extends Error {
  abstract readonly code: DocStoreErrorCode;

  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isDocStoreError(error: unknown): error is DocStoreError {
  return error instanceof DocStoreError;
}

export class NotFoundError extends DocStoreError {
  readonly code = 'NOT_FOUND' as const;

  /** `key` is what was looked up: an id, or `name@version`. */
  constructor(
    readonly kind: DocumentKind,
    readonly key: string,
  ) {
    super(`${kind} ${key} not found`);
  }
}

/** A unique key (`{ name, version }` of a definition, `{ name }` of a template) is already taken. */
export class DuplicateError extends DocStoreError {
  readonly code = 'DUPLICATE' as const;

  constructor(
    readonly kind: DocumentKind,
    readonly key: Readonly<Record<string, string>>,
  ) {
    super(
      `${kind} ${Object.entries(key)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} already exists`,
    );
  }
}

/** The document is still referenced (a template some worker was built from) and cannot be removed. */
export class InUseError extends DocStoreError {
  readonly code = 'IN_USE' as const;

  constructor(
    readonly kind: DocumentKind,
    readonly id: string,
    detail: string,
  ) {
    super(`${kind} ${id} is in use: ${detail}`);
  }
}

/** The database could not be reached (no server selected, network error, connection closed). */
export class StoreUnavailableError extends DocStoreError {
  readonly code = 'STORE_UNAVAILABLE' as const;

  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}
