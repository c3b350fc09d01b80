import type { WorkerStoppingData } from '@lcm/domain';
import { WorkerEventPayload } from '../common/worker-event.data';

/** `lcm.worker.stopping` (lcm/controller): drain complete, drain timeout, or an admin stop. */
export class WorkerStoppingPayload
  extends WorkerEventPayload
  implements WorkerStoppingData {}
