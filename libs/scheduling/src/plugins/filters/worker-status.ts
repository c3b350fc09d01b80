import { acceptsNewInstances } from '@lcm/domain';
import { KEEP, remove, type FilterPlugin } from '../../placement/plugin';

/**
 * docs/scheduling.md#placement-pipeline #0 and #6: only a running, uncordoned worker takes new instances (domain's
 * `acceptsNewInstances`). The reason names the state, so "worker draining" (docs/decisions/0014-drain-first-scale-down.md's explicit
 * not-draining rule) stays distinct from "worker provisioning" or "worker cordoned".
 */
export const workerStatusFilter: FilterPlugin = {
  name: 'worker-status',
  filter({ worker }) {
    if (acceptsNewInstances(worker)) return KEEP;
    if (worker.state === 'running') return remove('worker cordoned');
    return remove(`worker ${worker.state}`);
  },
};
