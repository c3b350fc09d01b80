import { isIsoTimestamp, isSemver } from '@lcm/domain';
import {
  IsNumber,
  ValidateBy,
  ValidateIf,
  type ValidationOptions,
} from 'class-validator';

// Property decorators shared by the event data classes. The checks reuse the domain's own rules
// (timestamps with a zone, semantic versions) so an event and its record agree on what is valid.
// Validation stops at a field's first failure, and the decorator nearest the property runs first:
// put the type check there (`@Min(0)` above `@IsInt()`), so a missing number says "must be an
// integer", not "must not be less than 0".

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A required field that may be `null` (but not missing): the other validators run on non-null values. */
export function NullAllowed(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object, value) => value !== null, options);
}

/** A field that may be left out (but not `null`): `@IsOptional` would also let `null` through. */
export function OptionalField(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined, options);
}

/** A string with something besides whitespace in it (the domain's rule for ids and names). */
export function IsNonBlankString(
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNonBlankString',
      validator: {
        validate: (value) => typeof value === 'string' && value.trim() !== '',
        defaultMessage: () => '$property must be a non-empty string',
      },
    },
    options,
  );
}

/** A number that is not NaN or infinite (JSON has neither, but a producer's object might). */
export function IsFiniteNumber(options?: ValidationOptions): PropertyDecorator {
  return IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: '$property must be a finite number', ...options },
  );
}

/** An ISO-8601 timestamp with a zone, as the domain writes them (`isIsoTimestamp`). */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: (value) => isIsoTimestamp(value),
        defaultMessage: () =>
          '$property must be an ISO-8601 timestamp with a zone (e.g. 2026-01-16T10:00:00.000Z)',
      },
    },
    options,
  );
}

/** A strict `MAJOR.MINOR.PATCH` version, as definitions carry them. */
export function IsSemver(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSemver',
      validator: {
        validate: (value) => isSemver(value),
        defaultMessage: () =>
          '$property must be a semantic version MAJOR.MINOR.PATCH',
      },
    },
    options,
  );
}

const MIN_PORT = 1;
const MAX_PORT = 65535;

/** A `PortMap`: port name -> port number, e.g. `{ serial_1: 5041 }` (may be empty). */
export function IsPortMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPortMap',
      validator: {
        validate: (value) =>
          isPlainObject(value) &&
          Object.entries(value).every(
            ([name, port]) =>
              name !== '' &&
              typeof port === 'number' &&
              Number.isInteger(port) &&
              port >= MIN_PORT &&
              port <= MAX_PORT,
          ),
        defaultMessage: () =>
          `$property must map port names to integer ports ${MIN_PORT}-${MAX_PORT}`,
      },
    },
    options,
  );
}

/** A `Record<string, string>`. */
export function IsStringRecord(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringRecord',
      validator: {
        validate: (value) =>
          isPlainObject(value) &&
          Object.values(value).every((entry) => typeof entry === 'string'),
        defaultMessage: () => '$property must be an object of string values',
      },
    },
    options,
  );
}

/** Lab YAML content hash, the same rule as the domain's instance spec. */
export const LAB_YAML_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/i;

/** True when `values` lists every member of the union `U` (used in compile-time checks). */
export type CoversUnion<U, V extends readonly unknown[]> = [
  Exclude<U, V[number]>,
] extends [never]
  ? true
  : false;
