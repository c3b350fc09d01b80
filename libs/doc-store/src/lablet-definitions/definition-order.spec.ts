import fc from 'fast-check';
import { compareSemver as compare } from '@lcm/domain';
import { compareSortKeys } from '../pagination/page';
import {
  DEFINITION_ORDER,
  definitionSortKey,
} from './lablet-definition.repository';

// The version rules themselves (requireVersion, nextPatch, versionOrder) are the domain's and tested
// there (libs/domain/src/values/semantic-version.spec.ts); this is the store's list order built on them.
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

describe('definition list order', () => {
  it("the list order puts a name's newer version first (property, prereleases aside)", () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        fc.pre(!a.includes('-') && !b.includes('-') && a !== b);
        const order = compareSortKeys(
          DEFINITION_ORDER,
          definitionSortKey({ name: 'x', version: a }),
          definitionSortKey({ name: 'x', version: b }),
        );
        expect(Math.sign(order)).toBe(-compare(a, b));
      }),
    );
  });
});
