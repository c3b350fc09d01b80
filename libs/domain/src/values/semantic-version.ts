import { coerce, compare, inc, parse, valid } from 'semver';
import { ValidationError } from '../errors';

/** The version a new definition name starts at. */
export const FIRST_VERSION = '1.0.0';

/** True for a strict `MAJOR.MINOR.PATCH[-pre][+build]` string (no leading `v`, no spaces). */
export function isSemver(value: unknown): value is string {
  return typeof value === 'string' && valid(value) === value;
}

export function assertSemver(
  value: unknown,
  field = 'version',
): asserts value is string {
  if (!isSemver(value)) {
    throw new ValidationError(
      field,
      `expected a semantic version MAJOR.MINOR.PATCH, got ${JSON.stringify(value)}`,
    );
  }
}

/**
 * A definition version: canonical semver `MAJOR.MINOR.PATCH[-prerelease]`. Build metadata (`+build`)
 * is refused: it does not take part in precedence, so `1.0.0+a` and `1.0.0+b` could not be ordered.
 */
export function requireVersion(value: unknown, field = 'version'): string {
  const parsed =
    typeof value === 'string' && value.length <= 64 ? parse(value) : null;
  // `parse` is lenient about a `v` prefix and spaces; only the canonical spelling is a version here.
  const canonical =
    parsed === null
      ? null
      : parsed.build.length > 0
        ? `${parsed.version}+${parsed.build.join('.')}`
        : parsed.version;
  if (parsed === null || canonical !== value) {
    throw new ValidationError(
      field,
      `must be a semantic version MAJOR.MINOR.PATCH, got ${JSON.stringify(value)}`,
    );
  }
  if (parsed.build.length > 0) {
    throw new ValidationError(
      field,
      `must not carry build metadata (+${parsed.build.join('.')}): versions must be totally ordered`,
    );
  }
  return value as string;
}

/** -1, 0 or 1 in semver precedence; throws ValidationError on an invalid version. */
export function compareSemver(a: string, b: string): -1 | 0 | 1 {
  assertSemver(a, 'a');
  assertSemver(b, 'b');
  return compare(a, b);
}

/** The next patch version: `1.2.3` -> `1.2.4` (a prerelease `1.2.3-rc.1` -> `1.2.3`). */
export function nextPatch(version: string): string {
  assertSemver(version);
  const next = inc(version, 'patch');
  if (next === null) {
    throw new ValidationError('version', `cannot increment ${version}`);
  }
  return next;
}

/** The item with the highest `version` in semver precedence, or null for an empty list. */
export function highestVersion<T extends { version: string }>(
  items: readonly T[],
): T | null {
  let best: T | null = null;
  for (const item of items) {
    if (best === null || compareSemver(item.version, best.version) > 0) {
      best = item;
    }
  }
  return best;
}

/** The highest version of a list, or null for an empty list. */
export function latestSemver(versions: readonly string[]): string | null {
  return (
    highestVersion(versions.map((version) => ({ version })))?.version ?? null
  );
}

/** The numeric parts of a version, so a store can sort in semver order rather than string order. */
export interface VersionOrder {
  major: number;
  minor: number;
  patch: number;
  /** 1 for a release, 0 for a prerelease (which sorts before the release of the same triple). */
  release: 0 | 1;
}

export function versionOrder(version: string): VersionOrder {
  const parsed = parse(version);
  if (parsed === null) {
    throw new ValidationError(
      'version',
      `must be a semantic version, got ${JSON.stringify(version)}`,
    );
  }
  return {
    major: parsed.major,
    minor: parsed.minor,
    patch: parsed.patch,
    release: parsed.prerelease.length === 0 ? 1 : 0,
  };
}

/** Reads a loose version out of text such as an AMI name: `CML-2.9.1-x86` -> `2.9.1`, `CML-2.9.*` -> `2.9.0`. */
export function versionInText(text: string): string | null {
  return coerce(text)?.version ?? null;
}
