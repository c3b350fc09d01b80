import type { ScorePlugin } from '../../placement/plugin';
import { binpackScorer } from './binpack';
import { spreadScorer } from './spread';

/** The configuration choice (docs/scheduling.md#placement-pipeline): `binpack` by default, `spread` on request. */
export type PlacementStrategy = 'binpack' | 'spread';

export const PLACEMENT_STRATEGIES: readonly PlacementStrategy[] = [
  'binpack',
  'spread',
];

export const DEFAULT_PLACEMENT_STRATEGY: PlacementStrategy = 'binpack';

const SCORERS: Readonly<Record<PlacementStrategy, ScorePlugin>> = {
  binpack: binpackScorer,
  spread: spreadScorer,
};

export function isPlacementStrategy(
  value: unknown,
): value is PlacementStrategy {
  return (
    typeof value === 'string' &&
    (PLACEMENT_STRATEGIES as readonly string[]).includes(value)
  );
}

export function scorerFor(strategy: PlacementStrategy): ScorePlugin {
  return SCORERS[strategy];
}
