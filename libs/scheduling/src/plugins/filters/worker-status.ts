import { acceptsNewInstances } from '@lcm/domain';
import { KEEP, remove, type FilterPlugin } from '../../placement/plugin';

/**
 * SPEC B-4.3 #0 and #6: only a running, uncordoned worker takes new instances (domain's
 * `acceptsNewInstances`). The reason names the state, so "worker draining" (ADR-008's explicit
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
