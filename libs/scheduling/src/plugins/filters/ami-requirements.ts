import { amiNameSatisfies } from '@lcm/domain';
import { KEEP, remove, type FilterPlugin } from '../../placement/plugin';

/**
 * docs/scheduling.md#placement-pipeline #3: the worker's AMI name matches every `namePattern` and is at least `minVersion`.
 * A worker whose AMI is not known yet is removed when there are requirements ("AMI unknown"),
 * except in the look-ahead variant: a starting worker learns its AMI only once provisioning runs.
 */
export function createAmiRequirementsFilter(options: {
  acceptUnknownAmi: boolean;
}): FilterPlugin {
  return {
    name: 'ami-requirements',
    filter({ worker }, { spec }) {
      const requirements = spec.requirements.amiRequirements ?? [];
      if (requirements.length === 0) return KEEP;
      if (worker.amiName === null) {
        return options.acceptUnknownAmi ? KEEP : remove('AMI unknown');
      }
      return amiNameSatisfies(worker.amiName, requirements)
        ? KEEP
        : remove('AMI mismatch');
    },
  };
}

export const amiRequirementsFilter: FilterPlugin = createAmiRequirementsFilter({
  acceptUnknownAmi: false,
});
