import fc from 'fast-check';
import { compare } from 'semver';
import { compareSortKeys } from '../pagination/page';
import { nextPatchVersion, requireVersion, versionOrder } from './definition-version';
import { DEFINITION_ORDER, definitionSortKey } from './lablet-definition.repository';

const part = fc.integer({ min: 0, max: 30 });
const prerelease = fc.constantFrom('', '-alpha', '-beta', '-rc.1', '-rc.2', '-rc.10', '-0', '-1', '-alpha.1');
const version = fc.tuple(part, part, part, prerelease).map(([a, b, c, pre]) => `${a}.${b}.${c}${pre}`);

describe('definition versions', () => {
  it('accepts canonical semver and refuses loose spellings and build metadata', () => {
    expect(requireVersion('1.2.3')).toBe('1.2.3');
    expect(requireVersion('1.2.3-rc.1')).toBe('1.2.3-rc.1');
    for (const bad of ['v1.2.3', ' 1.2.3', '1.2', '01.2.3', '1.2.3+build', 'latest', 123, null]) {
      expect(() => requireVersion(bad)).toThrow(expect.objectContaining({ field: 'version' }));
    }
    expect(() => requireVersion('1.2.3+build')).toThrow(/build metadata/);
  });

  it('bumps the patch, and a prerelease to its release', () => {
    expect(nextPatchVersion('1.2.3')).toBe('1.2.4');
    expect(nextPatchVersion('1.2.3-rc.1')).toBe('1.2.3');
  });

  it('the next patch version is always higher (property)', () => {
    fc.assert(fc.property(version, (v) => compare(nextPatchVersion(v), v) > 0));
  });

  it('the stored numeric parts sort like semver except among prereleases of one triple (property)', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        const oa = versionOrder(a);
        const ob = versionOrder(b);
        const numeric = [oa.major - ob.major, oa.minor - ob.minor, oa.patch - ob.patch, oa.release - ob.release].find((d) => d !== 0) ?? 0;
        if (numeric !== 0) expect(Math.sign(numeric)).toBe(compare(a, b));
      }),
    );
  });

  it('the list order puts a name\'s newer version first (property, prereleases aside)', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        fc.pre(!a.includes('-') && !b.includes('-') && a !== b);
        const order = compareSortKeys(DEFINITION_ORDER, definitionSortKey({ name: 'x', version: a }), definitionSortKey({ name: 'x', version: b }));
        expect(Math.sign(order)).toBe(-compare(a, b));
      }),
    );
  });
});
