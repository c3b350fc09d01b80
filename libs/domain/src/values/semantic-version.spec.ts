import fc from 'fast-check';
import { compare } from 'semver';
import { ValidationError } from '../errors';
import {
  compareSemver,
  highestVersion,
  isSemver,
  latestSemver,
  nextPatch,
  requireVersion,
  versionInText,
  versionOrder,
} from './semantic-version';

const part = fc.integer({ min: 0, max: 30 });
const prerelease = fc.constantFrom(
  '',
  '-alpha',
  '-beta',
  '-rc.1',
  '-rc.2',
  '-rc.10',
  '-0',
  '-1',
  '-alpha.1',
);
const version = fc
  .tuple(part, part, part, prerelease)
  .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre}`);

describe('semantic versions', () => {
  it('accepts MAJOR.MINOR.PATCH (with optional pre-release) and nothing looser', () => {
    expect(isSemver('1.2.3')).toBe(true);
    expect(isSemver('1.2.3-rc.1')).toBe(true);
    for (const bad of ['1.2', 'v1.2.3', ' 1.2.3', '1.2.3.4', '', 1])
      expect(isSemver(bad)).toBe(false);
  });

  it('compares by precedence, not as strings', () => {
    expect(compareSemver('1.10.0', '1.9.9')).toBe(1);
    expect(compareSemver('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(compareSemver('2.0.0', '2.0.0')).toBe(0);
    expect(() => compareSemver('1.0', '1.0.0')).toThrow(ValidationError);
  });

  it('bumps the patch for a new definition version', () => {
    expect(nextPatch('0.3.0')).toBe('0.3.1');
    expect(nextPatch('1.9.9')).toBe('1.9.10');
    expect(() => nextPatch('latest')).toThrow(ValidationError);
  });

  it('finds the latest of a list', () => {
    expect(latestSemver(['1.0.0', '1.10.0', '1.2.0'])).toBe('1.10.0');
    expect(latestSemver([])).toBeNull();
  });

  it('reads a version out of an AMI name or pattern', () => {
    expect(versionInText('CML-2.9.1-x86_64')).toBe('2.9.1');
    expect(versionInText('CML-2.9.*')).toBe('2.9.0');
    expect(versionInText('no version')).toBeNull();
  });
});

describe('definition versions', () => {
  it('accepts canonical semver and refuses loose spellings and build metadata', () => {
    expect(requireVersion('1.2.3')).toBe('1.2.3');
    expect(requireVersion('1.2.3-rc.1')).toBe('1.2.3-rc.1');
    for (const bad of [
      'v1.2.3',
      ' 1.2.3',
      '1.2',
      '01.2.3',
      '1.2.3+build',
      'latest',
      123,
      null,
    ]) {
      expect(() => requireVersion(bad)).toThrow(
        expect.objectContaining({ field: 'version' }),
      );
    }
    expect(() => requireVersion('1.2.3+build')).toThrow(/build metadata/);
  });

  it('bumps the patch, and a prerelease to its release', () => {
    expect(nextPatch('1.2.3')).toBe('1.2.4');
    expect(nextPatch('1.2.3-rc.1')).toBe('1.2.3');
  });

  it('the next patch version is always higher (property)', () => {
    fc.assert(fc.property(version, (v) => compare(nextPatch(v), v) > 0));
  });

  it('the highest item is the semver maximum, not the string maximum', () => {
    expect(
      highestVersion([
        { version: '1.9.0' },
        { version: '1.10.0' },
        { version: '1.10.0-rc.1' },
      ]),
    ).toEqual({ version: '1.10.0' });
    expect(highestVersion([])).toBeNull();
  });

  it('the numeric parts sort like semver except among prereleases of one triple (property)', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        const oa = versionOrder(a);
        const ob = versionOrder(b);
        const numeric =
          [
            oa.major - ob.major,
            oa.minor - ob.minor,
            oa.patch - ob.patch,
            oa.release - ob.release,
          ].find((d) => d !== 0) ?? 0;
        if (numeric !== 0) expect(Math.sign(numeric)).toBe(compare(a, b));
      }),
    );
  });
});
