import { compare } from 'semver';
import { versionInText } from './semantic-version';

/** `namePattern` is a glob (`CML-2.9.*`); `minVersion` a semver (`2.9.0`). Both optional. */
export interface AmiRequirement {
  namePattern?: string;
  minVersion?: string;
}

/** Glob match over the whole text: `*` any run of characters, `?` one character. */
export function globMatches(pattern: string, text: string): boolean {
  const source = pattern
    .split('')
    .map((c) =>
      c === '*'
        ? '.*'
        : c === '?'
          ? '.'
          : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`, 's').test(text);
}

function versionAtLeast(text: string, minVersion: string): boolean {
  const found = versionInText(text);
  const min = versionInText(minVersion);
  return found !== null && min !== null && compare(found, min) >= 0;
}

/** Does a concrete AMI name satisfy every requirement? No requirements means yes. */
export function amiNameSatisfies(
  amiName: string,
  requirements: readonly AmiRequirement[] | undefined,
): boolean {
  return (requirements ?? []).every(
    (r) =>
      (r.namePattern === undefined || globMatches(r.namePattern, amiName)) &&
      (r.minVersion === undefined || versionAtLeast(amiName, r.minVersion)),
  );
}

/**
 * Does a template's AMI pattern (itself a glob, `CML-2.9.*`) satisfy every requirement?
 * The requirement's glob must match the pattern text, and the version the pattern pins
 * (wildcards read as 0) must be at least `minVersion`.
 */
export function amiPatternSatisfies(
  amiPattern: string,
  requirements: readonly AmiRequirement[] | undefined,
): boolean {
  return amiNameSatisfies(amiPattern, requirements);
}
