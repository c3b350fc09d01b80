import { aPendingInstance, aWorker } from '../../../test/scheduling-fixtures';
import {
  amiRequirementsFilter,
  createAmiRequirementsFilter,
} from './ami-requirements';

describe('ami-requirements filter', () => {
  it('keeps any worker when the definition has no AMI requirements', () => {
    expect(
      amiRequirementsFilter.filter(
        aWorker('running', { amiName: null }),
        aPendingInstance(),
      ).ok,
    ).toBe(true);
  });

  it('keeps a worker whose AMI matches the pattern and the minimum version', () => {
    const request = aPendingInstance({
      amiRequirements: [{ namePattern: 'CML-2.9.*', minVersion: '2.9.0' }],
    });
    expect(
      amiRequirementsFilter.filter(
        aWorker('running', { amiName: 'CML-2.9.1' }),
        request,
      ),
    ).toEqual({
      ok: true,
    });
  });

  it('removes a worker whose AMI does not match the pattern, or is too old, as "AMI mismatch"', () => {
    const pattern = aPendingInstance({
      amiRequirements: [{ namePattern: 'CML-2.10.*' }],
    });
    const version = aPendingInstance({
      amiRequirements: [{ minVersion: '2.10.0' }],
    });
    const worker = aWorker('running', { amiName: 'CML-2.9.1' });
    expect(amiRequirementsFilter.filter(worker, pattern)).toEqual({
      ok: false,
      reason: 'AMI mismatch',
    });
    expect(amiRequirementsFilter.filter(worker, version)).toEqual({
      ok: false,
      reason: 'AMI mismatch',
    });
  });

  it('removes a worker with no known AMI when there are requirements', () => {
    const request = aPendingInstance({
      amiRequirements: [{ minVersion: '2.9.0' }],
    });
    expect(
      amiRequirementsFilter.filter(
        aWorker('running', { amiName: null }),
        request,
      ),
    ).toEqual({
      ok: false,
      reason: 'AMI unknown',
    });
  });

  it('in the look-ahead variant, lets a starting worker with no AMI yet through', () => {
    const request = aPendingInstance({
      amiRequirements: [{ minVersion: '2.9.0' }],
    });
    const lookAhead = createAmiRequirementsFilter({ acceptUnknownAmi: true });
    expect(lookAhead.filter(aWorker('pending'), request).ok).toBe(true);
    expect(
      lookAhead.filter(
        aWorker('provisioning', { amiName: 'CML-2.8.0' }),
        request,
      ).ok,
    ).toBe(false);
  });
});
