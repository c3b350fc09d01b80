import {
  aPendingInstance,
  aWorker,
  withReportedLicense,
} from '../../test/scheduling-fixtures';
import { licenseAffinityFilter } from '../plugins/filters/license-affinity';
import { workerStatusFilter } from '../plugins/filters/worker-status';
import { placeInstance } from './place-instance';

describe("placement under the licence a worker's engine reports", () => {
  const enterpriseWorker = (id: string) =>
    aWorker('running', {
      id,
      licenseType: 'ENTERPRISE',
      templateName: 'enterprise-large',
      declared: { maxNodes: 500 },
    });

  it('never places more nodes than the reported node limit, though the template declares more', () => {
    const capped = withReportedLicense(enterpriseWorker('w-e1'), {
      nodeLimit: 20,
    });
    expect(capped.capacity.declared.maxNodes).toBe(20);
    const big = aPendingInstance({ nodeCount: 30 });
    const refused = placeInstance(big, [capped]);
    expect(refused.action).toBe('scale_up');
    expect(refused.explanation.text).toContain('worker too small (nodes)');
    const small = aPendingInstance({ nodeCount: 20 });
    expect(placeInstance(small, [capped]).action).toBe('assign');
    // Without a report the template's 500 nodes stand.
    expect(placeInstance(big, [enterpriseWorker('w-e2')]).action).toBe(
      'assign',
    );
  });

  it('offers a worker whose licence expired to nobody, saying why', () => {
    const expired = withReportedLicense(aWorker('running', { id: 'w-x' }), {
      status: 'EXPIRED',
    });
    expect(workerStatusFilter.filter(expired, aPendingInstance())).toEqual({
      ok: false,
      reason: 'worker licence expired',
    });
    const decision = placeInstance(aPendingInstance(), [expired]);
    expect(decision.action).not.toBe('assign');
    expect(decision.explanation.text).toContain(
      '1 worker: worker licence expired',
    );
  });

  it("matches affinity against the template's licence type, whatever type the engine reports", () => {
    const reportsPersonal = withReportedLicense(enterpriseWorker('w-e3'), {
      licenseType: 'PERSONAL',
      nodeLimit: 20,
    });
    const enterpriseOnly = aPendingInstance({
      licenseAffinity: ['ENTERPRISE'],
    });
    expect(
      licenseAffinityFilter.filter(reportsPersonal, enterpriseOnly),
    ).toEqual({ ok: true });
  });
});
