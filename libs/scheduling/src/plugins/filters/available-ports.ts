import { freePortCount } from '@lcm/domain';
import { KEEP, remove, type FilterPlugin } from '../../placement/plugin';

/**
 * docs/scheduling.md#placement-pipeline #5: enough free ports in the worker's range for the port template (domain's
 * `freePortCount`, the count `allocatePorts` works from). An instance that already holds an
 * allocation on the worker is removed too: `allocatePorts` refuses a second one (stale view).
 */
export const availablePortsFilter: FilterPlugin = {
  name: 'available-ports',
  filter({ worker, ports }, request) {
    if (Object.prototype.hasOwnProperty.call(ports, request.id)) {
      return remove('instance already holds ports here');
    }
    return freePortCount(worker.portRange, ports) >= request.spec.ports.length
      ? KEEP
      : remove('insufficient ports');
  },
};
