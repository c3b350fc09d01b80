import {
  errorMessage,
  CapacityExceeded,
  Conflict,
  DomainError,
  InvalidTransition,
  isDomainError,
  NotFound,
  PortExhausted,
  ValidationError,
} from './errors';

describe('domain errors', () => {
  it('carry a stable code per failure kind and are DomainErrors', () => {
    const errors: [DomainError, string][] = [
      [
        new InvalidTransition({
          entity: 'instance',
          id: 'i',
          from: 'pending',
          to: 'running',
        }),
        'INVALID_TRANSITION',
      ],
      [new NotFound('worker', 'w'), 'NOT_FOUND'],
      [new Conflict('instance', 'i', 'stale revision'), 'CONFLICT'],
      [new PortExhausted('w', 1, 3), 'PORT_EXHAUSTED'],
      [new CapacityExceeded('w', ['cpuCores']), 'CAPACITY_EXCEEDED'],
      [new ValidationError('name', 'too long'), 'VALIDATION_ERROR'],
    ];
    for (const [error, code] of errors) {
      expect(error.code).toBe(code);
      expect(error).toBeInstanceOf(Error);
      expect(isDomainError(error)).toBe(true);
      expect(error.name).toBe(error.constructor.name);
    }
    expect(isDomainError(new Error('x'))).toBe(false);
  });

  it('describe an invalid transition with entity, id, from and to', () => {
    const error = new InvalidTransition({
      entity: 'worker',
      id: 'w-1',
      from: 'running',
      to: 'running',
    });
    expect(error).toMatchObject({
      entity: 'worker',
      id: 'w-1',
      from: 'running',
      to: 'running',
      guard: undefined,
    });
    expect(error.message).toBe(
      'worker w-1: transition running -> running is not allowed',
    );
    expect(
      new InvalidTransition({
        entity: 'instance',
        id: 'i',
        from: null,
        to: 'x',
        guard: 'nope',
      }).message,
    ).toBe('instance i: (new) -> x refused: nope');
  });

  it('name the field of a validation error', () => {
    expect(new ValidationError('timeslotEnd', 'is in the past')).toMatchObject({
      field: 'timeslotEnd',
      message: 'timeslotEnd: is in the past',
    });
  });

  it('say how many ports were available', () => {
    expect(new PortExhausted('w-1', 2, 5).message).toBe(
      'worker w-1: only 2 of 5 ports available',
    );
  });
});

describe('errorMessage', () => {
  it("is an Error's message, and anything else thrown as a string", () => {
    expect(errorMessage(new RangeError('out of range'))).toBe('out of range');
    expect(errorMessage(new PortExhausted('w-1', 2, 5))).toBe(
      'worker w-1: only 2 of 5 ports available',
    );
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
