import { capacityRequestOf, capacityUtilisation } from '@lcm/domain';
import type { ScorePlugin } from '../../placement/plugin';

/**
 * docs/scheduling.md#placement-pipeline default: the mean over cpu, memory, storage and nodes of (allocated + request) /
 * declared (domain's `capacityUtilisation`). Fuller workers win, so empty ones can drain.
 */
export const binpackScorer: ScorePlugin = {
  name: 'binpack',
  score({ capacity }, { spec }) {
    return capacityUtilisation(capacity, capacityRequestOf(spec));
  },
};
