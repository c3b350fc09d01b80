import { effectiveLicenseType } from '@lcm/domain';
import { KEEP, remove, type FilterPlugin } from '../../placement/plugin';

/**
 * docs/scheduling.md#placement-pipeline #1: the worker's licence type is one the definition accepts:
 * the type its engine reports once the controller read it, the template's until then.
 */
export const licenseAffinityFilter: FilterPlugin = {
  name: 'license-affinity',
  filter({ worker }, { spec }) {
    return spec.licenseAffinity.includes(effectiveLicenseType(worker))
      ? KEEP
      : remove('license mismatch');
  },
};
