import { STARTING_WORKER_STATES } from '@lcm/domain';
import { KEEP, remove, type FilterPlugin } from '../../placement/plugin';

/**
 * Look-ahead only (the `wait` decision): keeps workers still starting (pending, provisioning),
 * the ones a scale-up already in flight will turn into running workers.
 */
export const workerStartingFilter: FilterPlugin = {
  name: 'worker-starting',
  filter({ worker }) {
    return STARTING_WORKER_STATES.includes(worker.state)
      ? KEEP
      : remove(`worker ${worker.state}`);
  },
};
