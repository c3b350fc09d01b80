import {
  AuthenticationFailed,
  InstanceNotFound,
  InvalidParameter,
  OperationFailed,
  ProviderError,
  QuotaExceeded,
} from '../ports/provider-errors';

/** What an AWS SDK failure carries that the mapping reads (service errors and network errors). */
interface AwsFailure {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const CAPACITY = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientHostCapacity',
  'InsufficientReservedInstanceCapacity',
  'InsufficientCapacity',
]);
const QUOTA = new Set([
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
  'MaxSpotInstanceCountExceeded',
  'ResourceLimitExceeded',
]);
const AUTH = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'RequestExpired',
  'OptInRequired',
  'Blocked',
  'AccessDenied',
  'AccessDeniedException',
  'CredentialsProviderError',
]);
const NOT_FOUND = new Set(['InvalidInstanceID.NotFound']);
const THROTTLING = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ServiceUnavailable',
  'Unavailable',
  'InternalError',
]);

/** The error code of an SDK failure (`InvalidInstanceID.NotFound`, `AuthFailure`, ...). */
export function awsErrorCode(error: unknown): string {
  const failure = (error ?? {}) as AwsFailure;
  return failure.Code ?? failure.name ?? 'Unknown';
}

/** True for InsufficientInstanceCapacity and its kin: another subnet (zone) may have room. */
export function isCapacityError(error: unknown): boolean {
  return CAPACITY.has(awsErrorCode(error));
}

/**
 * Maps an EC2 SDK failure onto the typed provider errors. Throttling is retried by the SDK client
 * (standard mode: exponential backoff with jitter) before it gets here, so what remains is retryable
 * later. `cloudId` names the instance for InvalidInstanceID.NotFound. Messages are AWS's own, which
 * never carry credentials.
 */
export function toProviderError(
  error: unknown,
  context: { cloudId?: string; field?: string } = {},
): ProviderError {
  if (error instanceof ProviderError) return error;
  const code = awsErrorCode(error);
  const message = `${code}: ${(error as AwsFailure)?.message ?? String(error)}`;
  if (NOT_FOUND.has(code) && context.cloudId !== undefined) {
    return new InstanceNotFound(context.cloudId);
  }
  if (code === 'IdempotentParameterMismatch') {
    return new InvalidParameter('idempotencyKey', message);
  }
  if (QUOTA.has(code)) return new QuotaExceeded(message);
  if (CAPACITY.has(code)) {
    return new OperationFailed(message, {
      reason: 'insufficient_capacity',
      cause: error,
    });
  }
  if (AUTH.has(code)) return new AuthenticationFailed(message);
  if (code === 'IncorrectInstanceState' || code === 'IncorrectState') {
    return new OperationFailed(message, {
      reason: 'incorrect_state',
      cause: error,
    });
  }
  if (
    code.startsWith('Invalid') ||
    code === 'MissingParameter' ||
    code === 'NoSuchEntity' ||
    code === 'UnknownParameter' ||
    code === 'ValidationError' ||
    code === 'Unsupported'
  ) {
    return new InvalidParameter(context.field ?? parameterOf(code), message);
  }
  if (THROTTLING.has(code)) {
    return new OperationFailed(message, { reason: 'throttled', cause: error });
  }
  const status = (error as AwsFailure)?.$metadata?.httpStatusCode;
  return new OperationFailed(message, {
    reason: status === undefined ? 'network' : 'ec2',
    retryable: status === undefined || status >= 500,
    cause: error,
  });
}

/** `InvalidSubnetID.NotFound` -> `subnet`, `InvalidAMIID.Malformed` -> `ami`. */
function parameterOf(code: string): string {
  const match = /^Invalid([A-Za-z]+?)(?:ID|Id|Name)?(?:\.|$)/.exec(code);
  return match ? match[1].toLowerCase() : 'request';
}
