import { compare, inc, parse } from 'semver';
import { ValidationError } from '../errors';

/**
 * Definition versions are semver `MAJOR.MINOR.PATCH[-prerelease]`. Build metadata (`+build`) is
 * refused: it does not take part in precedence, so `1.0.0+a` and `1.0.0+b` could not be ordered.
 */
export const FIRST_VERSION = '1.0.0';

export function requireVersion(value: unknown, field = 'version'): string {
  const parsed = typeof value === 'string' && value.length <= 64 ? parse(value) : null;
  // `parse` is lenient about a `v` prefix and spaces; only the canonical spelling is a version here.
  const canonical = parsed === null ? null : parsed.build.length > 0 ? `${parsed.version}+${parsed.build.join('.')}` : parsed.version;
  if (parsed === null || canonical !== value) {
    throw new ValidationError(field, `must be a semantic version MAJOR.MINOR.PATCH, got ${JSON.stringify(value)}`);
  }
  if (parsed.build.length > 0) {
    throw new ValidationError(field, `must not carry build metadata (+${parsed.build.join('.')}): versions must be totally ordered`);
  }
  return value as string;
}

/** The numeric parts stored beside the version so MongoDB can sort in semver order, not string order. */
export interface VersionOrder {
  major: number;
  minor: number;
  patch: number;
  /** 1 for a release, 0 for a prerelease (which sorts before the release of the same triple). */
  release: 0 | 1;
}

export function versionOrder(version: string): VersionOrder {
  const parsed = parse(version);
  if (parsed === null) throw new ValidationError('version', `must be a semantic version, got ${JSON.stringify(version)}`);
  return { major: parsed.major, minor: parsed.minor, patch: parsed.patch, release: parsed.prerelease.length === 0 ? 1 : 0 };
}

export function compareVersions(a: string, b: string): number {
  return compare(a, b);
}

/** The highest of `versions` in semver precedence, or null. */
export function highestVersion<T extends { version: string }>(items: readonly T[]): T | null {
  let best: T | null = null;
  for (const item of items) if (best === null || compare(item.version, best.version) > 0) best = item;
  return best;
}

/** `1.2.3` -> `1.2.4`; a prerelease `1.2.3-rc.1` -> `1.2.3` (SPEC A-4: auto versions are patch bumps). */
export function nextPatchVersion(version: string): string {
  const next = inc(version, 'patch');
  if (next === null) throw new ValidationError('version', `cannot increment ${version}`);
  return next;
}
