import { aPendingInstance, aWorker } from '../../../test/scheduling-fixtures';
import { licenseAffinityFilter } from './license-affinity';

describe('license-affinity filter', () => {
  it('keeps a worker whose licence type the definition accepts', () => {
    const request = aPendingInstance({
      licenseAffinity: ['ENTERPRISE', 'PERSONAL'],
    });
    expect(
      licenseAffinityFilter.filter(
        aWorker('running', { licenseType: 'PERSONAL' }),
        request,
      ),
    ).toEqual({
      ok: true,
    });
  });

  it('removes a worker with another licence type as "license mismatch"', () => {
    const request = aPendingInstance({ licenseAffinity: ['ENTERPRISE'] });
    expect(
      licenseAffinityFilter.filter(
        aWorker('running', { licenseType: 'PERSONAL' }),
        request,
      ),
    ).toEqual({
      ok: false,
      reason: 'license mismatch',
    });
  });
});
