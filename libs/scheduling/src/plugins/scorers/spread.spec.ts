import {
  aPendingInstance,
  aWorker,
  withAllocated,
} from '../../../test/scheduling-fixtures';
import { binpackScorer } from './binpack';
import { spreadScorer } from './spread';
import { isPlacementStrategy, scorerFor } from './strategy';

describe('spread scorer', () => {
  const request = aPendingInstance();

  it('prefers the emptier worker: 1 - the binpack utilisation', () => {
    const empty = aWorker('running', { id: 'w-empty' });
    const busy = withAllocated(aWorker('running', { id: 'w-busy' }), {
      cpuCores: 8,
      memoryGb: 32,
    });
    expect(spreadScorer.score(empty, request)).toBeGreaterThan(
      spreadScorer.score(busy, request),
    );
    expect(spreadScorer.score(busy, request)).toBeCloseTo(
      1 - binpackScorer.score(busy, request),
      12,
    );
  });
});

describe('placement strategy', () => {
  it('maps binpack and spread to their scorers', () => {
    expect(scorerFor('binpack')).toBe(binpackScorer);
    expect(scorerFor('spread')).toBe(spreadScorer);
  });

  it('recognises only the two strategies', () => {
    expect(isPlacementStrategy('binpack')).toBe(true);
    expect(isPlacementStrategy('spread')).toBe(true);
    expect(isPlacementStrategy('random')).toBe(false);
  });
});
