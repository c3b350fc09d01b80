import {
  aPendingInstance,
  aWorker,
  withAllocated,
} from '../../../test/scheduling-fixtures';
import { availableCapacityFilter } from './available-capacity';

describe('available-capacity filter', () => {
  const request = aPendingInstance({
    cpuCores: 4,
    memoryGb: 8,
    storageGb: 50,
    nodeCount: 2,
  });

  it('keeps a worker with exactly the requested room left', () => {
    const worker = withAllocated(aWorker('running'), {
      cpuCores: 44,
      memoryGb: 184,
      storageGb: 450,
      maxNodes: 18,
    });
    expect(availableCapacityFilter.filter(worker, request)).toEqual({
      ok: true,
    });
  });

  it('explains which dimension is short: "insufficient memory"', () => {
    const worker = withAllocated(aWorker('running'), { memoryGb: 185 });
    expect(availableCapacityFilter.filter(worker, request)).toEqual({
      ok: false,
      reason: 'insufficient memory',
    });
  });

  it('names every short dimension, nodes included', () => {
    const worker = withAllocated(aWorker('running'), {
      cpuCores: 45,
      maxNodes: 19,
    });
    expect(availableCapacityFilter.filter(worker, request)).toEqual({
      ok: false,
      reason: 'insufficient cpu, nodes',
    });
  });
});
