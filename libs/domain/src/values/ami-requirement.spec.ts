import {
  amiNameSatisfies,
  amiPatternSatisfies,
  globMatches,
} from './ami-requirement';

describe('AMI requirements', () => {
  it('matches globs over the whole name', () => {
    expect(globMatches('CML-2.9.*', 'CML-2.9.1')).toBe(true);
    expect(globMatches('CML-2.9.*', 'CML-2.10.0')).toBe(false);
    expect(globMatches('CML-2.?.0', 'CML-2.9.0')).toBe(true);
    expect(globMatches('CML-2.9', 'CML-2.9.1')).toBe(false);
    expect(globMatches('a+b(c)', 'a+b(c)')).toBe(true);
  });

  it('checks name pattern and minimum version together', () => {
    const reqs = [{ namePattern: 'CML-2.*', minVersion: '2.9.0' }];
    expect(amiNameSatisfies('CML-2.9.1', reqs)).toBe(true);
    expect(amiNameSatisfies('CML-2.8.5', reqs)).toBe(false);
    expect(amiNameSatisfies('Ubuntu-22.04', reqs)).toBe(false);
  });

  it('is satisfied by anything when there are no requirements', () => {
    expect(amiNameSatisfies('anything', undefined)).toBe(true);
    expect(amiNameSatisfies('anything', [])).toBe(true);
  });

  it('checks a template pattern, reading wildcards as zero', () => {
    expect(
      amiPatternSatisfies('CML-2.9.*', [{ namePattern: 'CML-2.9.*' }]),
    ).toBe(true);
    expect(amiPatternSatisfies('CML-2.9.*', [{ minVersion: '2.9.0' }])).toBe(
      true,
    );
    expect(amiPatternSatisfies('CML-2.8.*', [{ minVersion: '2.9.0' }])).toBe(
      false,
    );
  });
});
