import {
  aPendingInstance,
  aWorker,
  withAllocated,
} from '../../../test/scheduling-fixtures';
import { binpackScorer } from './binpack';

describe('binpack scorer', () => {
  const request = aPendingInstance({
    cpuCores: 4,
    memoryGb: 8,
    storageGb: 50,
    nodeCount: 2,
  });

  it('is the mean over cpu, memory, storage and nodes of (allocated + request) / declared', () => {
    const worker = withAllocated(aWorker('running'), {
      cpuCores: 20,
      memoryGb: 88,
      storageGb: 200,
      maxNodes: 8,
    });
    // (24/48 + 96/192 + 250/500 + 10/20) / 4
    expect(binpackScorer.score(worker, request)).toBeCloseTo(0.5, 12);
  });

  it('prefers the fuller worker', () => {
    const empty = aWorker('running', { id: 'w-empty' });
    const busy = withAllocated(aWorker('running', { id: 'w-busy' }), {
      cpuCores: 8,
      memoryGb: 32,
    });
    expect(binpackScorer.score(busy, request)).toBeGreaterThan(
      binpackScorer.score(empty, request),
    );
  });
});
