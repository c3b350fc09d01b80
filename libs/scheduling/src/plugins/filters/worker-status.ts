import { acceptsNewInstances, licenseRefusal } from '@lcm/domain';
import { KEEP, remove, type FilterPlugin } from '../../placement/plugin';

/**
 * docs/scheduling.md#placement-pipeline #0 and #6: only a running, uncordoned worker takes new instances (domain's
 * `acceptsNewInstances`). The reason names the state, so "worker draining" (docs/decisions/0014-drain-first-scale-down.md's explicit
 * not-draining rule) stays distinct from "worker provisioning" or "worker cordoned", and a running
 * worker whose engine reports a licence that runs no labs says so ("worker licence expired").
 */
export const workerStatusFilter: FilterPlugin = {
  name: 'worker-status',
  filter({ worker }) {
    if (acceptsNewInstances(worker)) return KEEP;
    if (worker.state === 'running' && worker.cordoned)
      return remove('worker cordoned');
    const refusal = licenseRefusal(worker);
    if (worker.state === 'running' && refusal !== null)
      return remove(`worker ${refusal}`);
    return remove(`worker ${worker.state}`);
  },
};
