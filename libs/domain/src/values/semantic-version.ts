import { coerce, compare, inc, valid } from 'semver';
import { ValidationError } from '../errors';

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

/** The highest version of a list, or null for an empty list. */
export function latestSemver(versions: readonly string[]): string | null {
  let latest: string | null = null;
  for (const version of versions) {
    if (latest === null || compareSemver(version, latest) > 0) {
      latest = version;
    }
  }
  return latest;
}

/** Reads a loose version out of text such as an AMI name: `CML-2.9.1-x86` -> `2.9.1`, `CML-2.9.*` -> `2.9.0`. */
export function versionInText(text: string): string | null {
  return coerce(text)?.version ?? null;
}
