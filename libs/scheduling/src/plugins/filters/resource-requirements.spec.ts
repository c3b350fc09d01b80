import {
  aPendingInstance,
  aWorker,
  withAllocated,
} from '../../../test/scheduling-fixtures';
import { resourceRequirementsFilter } from './resource-requirements';

describe('resource-requirements filter', () => {
  it('keeps a worker whose declared capacity equals the request exactly', () => {
    const worker = aWorker('running', {
      declared: { cpuCores: 4, memoryGb: 8, storageGb: 50, maxNodes: 2 },
    });
    const request = aPendingInstance({
      cpuCores: 4,
      memoryGb: 8,
      storageGb: 50,
      nodeCount: 2,
    });
    expect(resourceRequirementsFilter.filter(worker, request)).toEqual({
      ok: true,
    });
  });

  it('judges the declared capacity, not what is free now (that is available-capacity)', () => {
    const full = withAllocated(aWorker('running'), {
      cpuCores: 48,
      memoryGb: 192,
    });
    expect(resourceRequirementsFilter.filter(full, aPendingInstance()).ok).toBe(
      true,
    );
  });

  it('names every dimension the worker is too small in', () => {
    const worker = aWorker('running', {
      declared: { memoryGb: 16, storageGb: 40 },
    });
    const request = aPendingInstance({ memoryGb: 32, storageGb: 50 });
    expect(resourceRequirementsFilter.filter(worker, request)).toEqual({
      ok: false,
      reason: 'worker too small (memory, storage)',
    });
  });

  it('removes a worker whose licence node limit is below the node count', () => {
    const worker = aWorker('running', { declared: { maxNodes: 20 } });
    const request = aPendingInstance({
      nodeCount: 21,
      licenseAffinity: ['ENTERPRISE', 'PERSONAL'],
    });
    expect(resourceRequirementsFilter.filter(worker, request)).toEqual({
      ok: false,
      reason: 'worker too small (nodes)',
    });
  });

  it('accepts nested virtualisation on every worker (all LCM workers are CML hosts)', () => {
    expect(
      resourceRequirementsFilter.filter(
        aWorker('running'),
        aPendingInstance({ nestedVirt: true }),
      ).ok,
    ).toBe(true);
  });
});
