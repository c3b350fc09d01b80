import { capacityRequestOf, CAPACITY_DIMENSIONS } from '@lcm/domain';
import { capacityLabels } from '../../placement/capacity-labels';
import { KEEP, remove, type FilterPlugin } from '../../placement/plugin';

/**
 * docs/scheduling.md#placement-pipeline #2: could the worker hold the instance at all, even empty? Its declared cpu, memory,
 * storage and licence node limit (`declared.maxNodes`) against the request. What is free right
 * now is `available-capacity`'s question.
 *
 * `nestedVirt`: worker records carry no nested-virtualisation flag because every LCM worker is a
 * CML host (bare metal), which always offers it; so the requirement is met by every worker.
 */
export const resourceRequirementsFilter: FilterPlugin = {
  name: 'resource-requirements',
  filter({ capacity }, { spec }) {
    const request = capacityRequestOf(spec);
    const short = CAPACITY_DIMENSIONS.filter(
      (d) => capacity.declared[d] < request[d],
    );
    return short.length === 0
      ? KEEP
      : remove(`worker too small (${capacityLabels(short)})`);
  },
};
