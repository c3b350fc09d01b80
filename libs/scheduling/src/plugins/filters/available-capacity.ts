import { capacityRequestOf, capacityShortfall } from '@lcm/domain';
import { capacityLabels } from '../../placement/capacity-labels';
import { KEEP, remove, type FilterPlugin } from '../../placement/plugin';

/**
 * docs/scheduling.md#placement-pipeline #4: declared - allocated covers the request in cpu, memory, storage and nodes
 * (domain's `capacityShortfall`, the same test `reserveCapacity` makes). The reason names every
 * short dimension: "insufficient memory", "insufficient cpu, nodes".
 */
export const availableCapacityFilter: FilterPlugin = {
  name: 'available-capacity',
  filter({ capacity }, { spec }) {
    const short = capacityShortfall(capacity, capacityRequestOf(spec));
    return short.length === 0
      ? KEEP
      : remove(`insufficient ${capacityLabels(short)}`);
  },
};
