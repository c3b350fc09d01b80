import { capacityRequestOf, capacityUtilisation } from '@lcm/domain';
import type { ScorePlugin } from '../../placement/plugin';

/**
 * The `spread` strategy: the emptier the worker after placement, the better (1 - binpack's
 * utilisation), so load is shared out instead of packed.
 */
export const spreadScorer: ScorePlugin = {
  name: 'spread',
  score({ capacity }, { spec }) {
    return 1 - capacityUtilisation(capacity, capacityRequestOf(spec));
  },
};
