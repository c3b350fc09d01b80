import { isIsoTimestamp } from '@lcm/domain';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Matches, registerDecorator, ValidationOptions } from 'class-validator';

/** Canonical semver `MAJOR.MINOR.PATCH[-prerelease]`; build metadata cannot be ordered, so it is refused. */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?$/;
/** Names of definitions and templates: shown to people, used in URLs and as template keys. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Owner, reservation and other external ids: plain tokens (an e-mail address is fine). */
export const EXTERNAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,255}$/;
export const UUID =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Opaque list cursors are base64url. */
export const CURSOR = /^[A-Za-z0-9_-]{1,1024}$/;

export function IsSemver(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isSemver',
      target: target.constructor,
      propertyName: property as string,
      options: {
        message:
          '$property must be a semantic version MAJOR.MINOR.PATCH[-prerelease]',
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.length <= 64 && SEMVER.test(value),
      },
    });
}

/** An ISO-8601 / RFC 3339 timestamp with a zone (`2026-01-16T10:00:00Z`). */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'isTimestamp',
      target: target.constructor,
      propertyName: property as string,
      options: {
        message:
          '$property must be an ISO-8601 timestamp with a zone, e.g. 2026-01-16T10:00:00Z',
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value.length <= 40 &&
          isIsoTimestamp(value) &&
          isCalendarDate(value),
      },
    });
}

/** Date.parse rolls 2026-02-30 over to March: check the day exists in its month. */
function isCalendarDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= new Date(Date.UTC(year, month, 0)).getUTCDate()
  );
}

/** At most `max` bytes once UTF-8 encoded (the lab YAML limit is 1 MiB of bytes, not characters). */
export function MaxUtf8Bytes(
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, property) =>
    registerDecorator({
      name: 'maxUtf8Bytes',
      target: target.constructor,
      propertyName: property as string,
      constraints: [max],
      options: {
        message: `$property must be at most ${max} bytes (UTF-8)`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || Buffer.byteLength(value, 'utf8') <= max,
      },
    });
}

/**
 * class-validator's Matches, and the same pattern in the OpenAPI document, so generated clients and
 * the console know what the api accepts. Patterns must not rely on flags (JSON Schema has none).
 */
export function MatchesDocumented(
  pattern: RegExp,
  options?: ValidationOptions,
): PropertyDecorator {
  if (pattern.flags !== '')
    throw new Error(
      `MatchesDocumented: ${String(pattern)} has flags, which an OpenAPI pattern cannot carry`,
    );
  return applyDecorators(
    Matches(pattern, options),
    ApiProperty({ pattern: pattern.source, required: undefined }),
  );
}
