import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { checksOf } from './ec2-worker-provider';
import { isCapacityError, toProviderError } from './ec2-errors';

/** An EC2 service error as the SDK builds it from an error response. */
function ec2Error(code: string, status = 400): EC2ServiceException {
  const error = new EC2ServiceException({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: `${code} happened`,
  });
  return error;
}

describe('EC2 errors -> provider errors', () => {
  it.each([
    [
      'InsufficientInstanceCapacity',
      'OPERATION_FAILED',
      true,
      'insufficient_capacity',
    ],
    ['InstanceLimitExceeded', 'QUOTA_EXCEEDED', true, undefined],
    ['VcpuLimitExceeded', 'QUOTA_EXCEEDED', true, undefined],
    ['AuthFailure', 'AUTHENTICATION_FAILED', false, undefined],
    ['UnauthorizedOperation', 'AUTHENTICATION_FAILED', false, undefined],
    ['InvalidParameterValue', 'INVALID_PARAMETER', false, undefined],
    ['InvalidAMIID.Malformed', 'INVALID_PARAMETER', false, undefined],
    ['IncorrectInstanceState', 'OPERATION_FAILED', true, 'incorrect_state'],
    ['RequestLimitExceeded', 'OPERATION_FAILED', true, 'throttled'],
  ])('%s -> %s (retryable %s)', (code, expected, retryable, reason) => {
    const mapped = toProviderError(ec2Error(code));
    expect(mapped).toMatchObject({ code: expected, retryable });
    if (reason) expect(mapped).toMatchObject({ reason });
    expect(mapped.message).toContain(code);
  });

  it('names the parameter, the instance of a NotFound, and keeps network failures retryable', () => {
    expect(toProviderError(ec2Error('InvalidSubnetID.NotFound'))).toMatchObject(
      { field: 'subnet' },
    );
    expect(
      toProviderError(ec2Error('InvalidAMIID.NotFound'), {
        field: 'amiPattern',
      }),
    ).toMatchObject({ field: 'amiPattern' });
    expect(
      toProviderError(ec2Error('InvalidInstanceID.NotFound'), {
        cloudId: 'i-1',
      }),
    ).toMatchObject({ code: 'INSTANCE_NOT_FOUND', cloudId: 'i-1' });
    expect(
      toProviderError(
        Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' }),
      ),
    ).toMatchObject({
      code: 'OPERATION_FAILED',
      retryable: true,
      reason: 'network',
    });
    expect(toProviderError(ec2Error('Weird', 500))).toMatchObject({
      retryable: true,
      reason: 'ec2',
    });
    expect(toProviderError(ec2Error('Weird', 400))).toMatchObject({
      retryable: false,
      reason: 'ec2',
    });
    expect(isCapacityError(ec2Error('InsufficientInstanceCapacity'))).toBe(
      true,
    );
    expect(isCapacityError(ec2Error('VcpuLimitExceeded'))).toBe(false);
  });
});

describe('a client token reused with other parameters', () => {
  it('is InvalidParameter on the idempotency key', () => {
    expect(
      toProviderError(ec2Error('IdempotentParameterMismatch')),
    ).toMatchObject({
      code: 'INVALID_PARAMETER',
      field: 'idempotencyKey',
      retryable: false,
    });
  });
});

describe('checksOf', () => {
  it('combines instance and system checks, worst first', () => {
    const of = (instance?: string, system?: string) =>
      checksOf({
        InstanceStatus: { Status: instance as never },
        SystemStatus: { Status: system as never },
      });
    expect(of('ok', 'ok')).toBe('ok');
    expect(of('ok', 'impaired')).toBe('impaired');
    expect(of('initializing', 'ok')).toBe('initializing');
    expect(of('insufficient-data', 'ok')).toBe('insufficient-data');
    expect(checksOf(undefined)).toBe('insufficient-data');
  });
});
