/**
 * Typed failures of the data-plane ports (WorkerProvider and LabRuntime). Each carries a stable
 * `code` and a `retryable` flag: callers retry a retryable error with backoff and give up (or mark
 * the worker/instance failed) on the others. Real adapters map their SDK errors onto these.
 */
export type ProviderErrorCode =
  | 'INVALID_PARAMETER'
  | 'QUOTA_EXCEEDED'
  | 'AUTHENTICATION_FAILED'
  | 'INSTANCE_NOT_FOUND'
  | 'OPERATION_FAILED'
  | 'LAB_ENGINE_UNAVAILABLE'
  | 'LAB_NOT_FOUND';

export abstract class ProviderError extends Error {
  abstract readonly code: ProviderErrorCode;
  /** True when the same call may succeed later (backoff and retry); false when it never will. */
  readonly retryable: boolean;

  protected constructor(
    message: string,
    retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.retryable = retryable;
  }
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}

/** A ProviderError marked retryable. Anything else (including non-provider errors) is not. */
export function isRetryableProviderError(error: unknown): boolean {
  return isProviderError(error) && error.retryable;
}

/** The request is malformed or names something that does not exist (instance type, AMI, region). */
export class InvalidParameter extends ProviderError {
  readonly code = 'INVALID_PARAMETER' as const;

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`, false);
  }
}

/** An account limit (instances, vCPUs) is reached. Retryable: capacity may be freed later. */
export class QuotaExceeded extends ProviderError {
  readonly code = 'QUOTA_EXCEEDED' as const;

  constructor(
    message: string,
    readonly limit?: number,
  ) {
    super(message, true);
  }
}

/** Credentials are missing, expired or lack permission. Not retryable without operator action. */
export class AuthenticationFailed extends ProviderError {
  readonly code = 'AUTHENTICATION_FAILED' as const;

  constructor(message = 'authentication failed') {
    super(message, false);
  }
}

/** The cloud instance does not exist (never did, or was purged after termination). */
export class InstanceNotFound extends ProviderError {
  readonly code = 'INSTANCE_NOT_FOUND' as const;

  constructor(readonly cloudId: string) {
    super(`instance ${cloudId} not found`, false);
  }
}

/**
 * The call reached the provider and failed: insufficient capacity, an instance in the wrong state,
 * an injected fault, a lab engine error. `reason` is a short machine-readable tag.
 */
export class OperationFailed extends ProviderError {
  readonly code = 'OPERATION_FAILED' as const;
  readonly reason: string;

  constructor(
    message: string,
    options: { retryable?: boolean; reason?: string; cause?: unknown } = {},
  ) {
    super(message, options.retryable ?? true, { cause: options.cause });
    this.reason = options.reason ?? 'operation_failed';
  }
}

/**
 * The lab engine on a worker cannot serve the call: the VM is not running, the engine is still
 * starting, or it reports ERROR. Always retryable (the caller decides when to stop waiting).
 */
export class LabEngineUnavailable extends ProviderError {
  readonly code = 'LAB_ENGINE_UNAVAILABLE' as const;

  constructor(
    readonly host: string,
    readonly status: 'UNAVAILABLE' | 'STARTING' | 'ERROR',
  ) {
    super(`lab engine on ${host} is ${status}`, true);
  }
}

/** The lab id is unknown to the engine on that host. */
export class LabNotFound extends ProviderError {
  readonly code = 'LAB_NOT_FOUND' as const;

  constructor(
    readonly host: string,
    readonly labId: string,
  ) {
    super(`lab ${labId} not found on ${host}`, false);
  }
}
