import {
  aPendingInstance,
  aWorker,
  withPortsHeld,
} from '../../../test/scheduling-fixtures';
import { availablePortsFilter } from './available-ports';

describe('available-ports filter', () => {
  const small = aWorker('running', { portRange: { start: 3000, end: 3004 } });

  it('keeps a worker with exactly as many free ports as the template needs', () => {
    const twoFree = withPortsHeld(small, 3000, 3002);
    expect(
      availablePortsFilter.filter(twoFree, aPendingInstance({ portCount: 2 })),
    ).toEqual({ ok: true });
  });

  it('removes a worker with too few free ports as "insufficient ports"', () => {
    expect(
      availablePortsFilter.filter(
        withPortsHeld(small, 3000, 3002),
        aPendingInstance({ portCount: 3 }),
      ),
    ).toEqual({
      ok: false,
      reason: 'insufficient ports',
    });
  });

  it('keeps a full worker for an instance that needs no port', () => {
    expect(
      availablePortsFilter.filter(
        withPortsHeld(small, 3000, 3004),
        aPendingInstance({ portCount: 0 }),
      ).ok,
    ).toBe(true);
  });

  it('removes a worker that already holds ports for this instance (a stale view)', () => {
    const request = aPendingInstance({ id: 'i-other' });
    expect(
      availablePortsFilter.filter(withPortsHeld(small, 3000, 3000), request),
    ).toEqual({
      ok: false,
      reason: 'instance already holds ports here',
    });
  });
});
