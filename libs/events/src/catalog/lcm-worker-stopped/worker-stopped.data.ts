import type { WorkerStoppedData } from '@lcm/domain';
import { WorkerEventPayload } from '../common/worker-event.data';

/** `lcm.worker.stopped` (lcm/controller): the cloud reports the VM stopped. */
export class WorkerStoppedPayload
  extends WorkerEventPayload
  implements WorkerStoppedData {}
