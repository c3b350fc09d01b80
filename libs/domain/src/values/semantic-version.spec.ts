import { ValidationError } from '../errors';
import {
  compareSemver,
  isSemver,
  latestSemver,
  nextPatch,
  versionInText,
} from './semantic-version';

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
