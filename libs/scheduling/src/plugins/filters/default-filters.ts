import type { FilterPlugin } from '../../placement/plugin';
import {
  amiRequirementsFilter,
  createAmiRequirementsFilter,
} from './ami-requirements';
import { availableCapacityFilter } from './available-capacity';
import { availablePortsFilter } from './available-ports';
import { licenseAffinityFilter } from './license-affinity';
import { resourceRequirementsFilter } from './resource-requirements';
import { workerStartingFilter } from './worker-starting';
import { workerStatusFilter } from './worker-status';

/** docs/scheduling.md#placement-pipeline order: status, licence, resources, AMI, capacity, ports. */
export const DEFAULT_FILTERS: readonly FilterPlugin[] = Object.freeze([
  workerStatusFilter,
  licenseAffinityFilter,
  resourceRequirementsFilter,
  amiRequirementsFilter,
  availableCapacityFilter,
  availablePortsFilter,
]);

/**
 * For the `wait` decision: would a worker that is still starting take the instance once running?
 * Same rules, except the status filter keeps starting workers and an AMI not yet known passes.
 */
export const LOOK_AHEAD_FILTERS: readonly FilterPlugin[] = Object.freeze([
  workerStartingFilter,
  licenseAffinityFilter,
  resourceRequirementsFilter,
  createAmiRequirementsFilter({ acceptUnknownAmi: true }),
  availableCapacityFilter,
  availablePortsFilter,
]);
