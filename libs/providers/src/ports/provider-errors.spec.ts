import {
  AuthenticationFailed,
  InstanceNotFound,
  InvalidParameter,
  isProviderError,
  isRetryableProviderError,
  LabEngineUnavailable,
  LabNotFound,
  OperationFailed,
  ProviderError,
  QuotaExceeded,
} from './provider-errors';

describe('provider errors', () => {
  it('carry a stable code, a retryable flag and their class name', () => {
    const cases: [ProviderError, string, boolean][] = [
      [new InvalidParameter('region', 'unknown'), 'INVALID_PARAMETER', false],
      [new QuotaExceeded('limit', 3), 'QUOTA_EXCEEDED', true],
      [new AuthenticationFailed(), 'AUTHENTICATION_FAILED', false],
      [new InstanceNotFound('i-1'), 'INSTANCE_NOT_FOUND', false],
      [new OperationFailed('boom'), 'OPERATION_FAILED', true],
      [
        new OperationFailed('bad state', { retryable: false }),
        'OPERATION_FAILED',
        false,
      ],
      [
        new LabEngineUnavailable('w-1', 'STARTING'),
        'LAB_ENGINE_UNAVAILABLE',
        true,
      ],
      [new LabNotFound('w-1', 'lab-1'), 'LAB_NOT_FOUND', false],
    ];
    for (const [error, code, retryable] of cases) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.code).toBe(code);
      expect(error.retryable).toBe(retryable);
      expect(error.name).toBe(error.constructor.name);
      expect(isProviderError(error)).toBe(true);
      expect(isRetryableProviderError(error)).toBe(retryable);
    }
    expect(isProviderError(new Error('x'))).toBe(false);
    expect(isRetryableProviderError(new Error('x'))).toBe(false);
  });

  it('describe what failed', () => {
    expect(
      new InvalidParameter('amiPattern', 'no AMI matches X'),
    ).toMatchObject({
      field: 'amiPattern',
      message: 'amiPattern: no AMI matches X',
    });
    expect(new InstanceNotFound('i-9').cloudId).toBe('i-9');
    expect(new QuotaExceeded('too many', 5).limit).toBe(5);
    const cause = new Error('root');
    const failed = new OperationFailed('wrapped', { reason: 'sdk', cause });
    expect(failed.reason).toBe('sdk');
    expect(failed.cause).toBe(cause);
    expect(new OperationFailed('x').reason).toBe('operation_failed');
    expect(new LabEngineUnavailable('h', 'ERROR').message).toBe(
      'lab engine on h is ERROR',
    );
  });
});
