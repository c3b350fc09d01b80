/**
 * One error type per failure kind. Each carries a stable `code` so the HTTP layer can map it to
 * problem+json once (InvalidTransition/Conflict -> 409, NotFound -> 404, ValidationError -> 422, ...).
 */
export type DomainErrorCode =
  | 'INVALID_TRANSITION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PORT_EXHAUSTED'
  | 'CAPACITY_EXCEEDED'
  | 'VALIDATION_ERROR';

/** The kinds of records the domain errors talk about. */
export type DomainEntity =
  | 'instance'
  | 'worker'
  | 'definition'
  | 'template'
  | 'capacity'
  | 'ports';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;

  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The message of anything thrown: an Error's message, anything else as a string (for logs and problems). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** A state change the machine does not allow, or an allowed edge whose guard failed (`guard`). */
export class InvalidTransition extends DomainError {
  readonly code = 'INVALID_TRANSITION' as const;
  readonly entity: DomainEntity;
  readonly id: string;
  readonly from: string | null;
  readonly to: string;
  readonly guard: string | undefined;

  constructor(args: {
    entity: DomainEntity;
    id: string;
    from: string | null;
    to: string;
    guard?: string;
  }) {
    const edge = `${args.from ?? '(new)'} -> ${args.to}`;
    super(
      args.guard
        ? `${args.entity} ${args.id}: ${edge} refused: ${args.guard}`
        : `${args.entity} ${args.id}: transition ${edge} is not allowed`,
    );
    this.entity = args.entity;
    this.id = args.id;
    this.from = args.from;
    this.to = args.to;
    this.guard = args.guard;
  }
}

export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;

  constructor(
    readonly entity: DomainEntity,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}

/** The record changed since it was read (stale revision), or the caller's view of it is out of date. */
export class Conflict extends DomainError {
  readonly code = 'CONFLICT' as const;

  constructor(
    readonly entity: DomainEntity,
    readonly id: string,
    detail: string,
  ) {
    super(`${entity} ${id}: ${detail}`);
  }
}

export class PortExhausted extends DomainError {
  readonly code = 'PORT_EXHAUSTED' as const;

  constructor(
    readonly workerId: string,
    readonly available: number,
    readonly requested: number,
  ) {
    super(
      `worker ${workerId}: only ${available} of ${requested} ports available`,
    );
  }
}

export class CapacityExceeded extends DomainError {
  readonly code = 'CAPACITY_EXCEEDED' as const;

  /** `dimensions` names each capacity dimension that lacks room (cpuCores, memoryGb, ...). */
  constructor(
    readonly workerId: string,
    readonly dimensions: readonly string[],
  ) {
    super(`worker ${workerId}: insufficient ${dimensions.join(', ')}`);
  }
}

/** Bad input: `field` is the path of the offending value (`portTemplate.ports[1].name`), `reason` what is wrong with it. */
export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_ERROR' as const;

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}
