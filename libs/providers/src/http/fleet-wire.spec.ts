import { ValidationError } from '@lcm/domain';
import {
  AuthenticationFailed,
  InstanceNotFound,
  InvalidParameter,
  LabEngineUnavailable,
  LabNotFound,
  OperationFailed,
  ProviderError,
  QuotaExceeded,
} from '../ports/provider-errors';
import {
  errorForStatus,
  fromWireError,
  httpStatusFor,
  toWireError,
} from './fleet-wire';

describe('fleet wire format', () => {
  it('round-trips every ProviderError with its class, message, retryable flag and fields', () => {
    const errors: [ProviderError, number][] = [
      [new InvalidParameter('region', 'unknown region x'), 400],
      [new QuotaExceeded('instance limit of 3 reached', 3), 429],
      [new AuthenticationFailed('token expired'), 401],
      [new InstanceNotFound('i-1'), 404],
      [
        new OperationFailed('InsufficientInstanceCapacity', {
          reason: 'insufficient_capacity',
        }),
        503,
      ],
      [
        new OperationFailed('IncorrectInstanceState', {
          retryable: false,
          reason: 'incorrect_state',
        }),
        409,
      ],
      [new LabEngineUnavailable('w-1.sim', 'STARTING'), 503],
      [new LabNotFound('w-1.sim', 'lab-9'), 404],
    ];
    for (const [error, status] of errors) {
      const wire = JSON.parse(JSON.stringify(toWireError(error)));
      expect(httpStatusFor(wire)).toBe(status);
      const back = fromWireError(wire);
      expect(back.constructor).toBe(error.constructor);
      expect(back.message).toBe(error.message);
      expect(back.retryable).toBe(error.retryable);
      expect({ ...back }).toEqual({ ...error });
    }
  });

  it('sends a domain ValidationError (bad hook options) as InvalidParameter and anything else as internal', () => {
    const validation = toWireError(
      new ValidationError('bootTimeMs', 'must be a number >= 0'),
    );
    expect(validation).toMatchObject({
      code: 'INVALID_PARAMETER',
      field: 'bootTimeMs',
      retryable: false,
    });
    const internal = toWireError(new Error('boom'));
    expect(internal).toEqual({
      code: 'INTERNAL',
      message: 'boom',
      retryable: true,
    });
    expect(httpStatusFor(internal)).toBe(500);
    expect(fromWireError(internal)).toMatchObject({
      code: 'OPERATION_FAILED',
      retryable: true,
      reason: 'remote_error',
    });
  });

  it('maps a bare HTTP status (no typed body) onto the error kinds', () => {
    expect(errorForStatus(400, 'bad')).toBeInstanceOf(InvalidParameter);
    expect(errorForStatus(403, '')).toBeInstanceOf(AuthenticationFailed);
    expect(errorForStatus(429, '')).toBeInstanceOf(QuotaExceeded);
    expect(errorForStatus(502, '')).toMatchObject({
      code: 'OPERATION_FAILED',
      retryable: true,
    });
    expect(errorForStatus(404, 'no route')).toMatchObject({
      code: 'OPERATION_FAILED',
      retryable: false,
    });
  });
});
