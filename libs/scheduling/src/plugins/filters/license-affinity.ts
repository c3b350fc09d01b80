import { KEEP, remove, type FilterPlugin } from '../../placement/plugin';

/** docs/scheduling.md#placement-pipeline #1: the worker's licence type is one the definition accepts. */
export const licenseAffinityFilter: FilterPlugin = {
  name: 'license-affinity',
  filter({ worker }, { spec }) {
    return spec.licenseAffinity.includes(worker.licenseType)
      ? KEEP
      : remove('license mismatch');
  },
};
