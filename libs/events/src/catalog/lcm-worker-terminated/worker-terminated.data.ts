import type { WorkerTerminatedData } from '@lcm/domain';
import { WorkerEventPayload } from '../common/worker-event.data';

/** `lcm.worker.terminated` (lcm/controller): the VM is gone (clean-up, failure, or the cloud). */
export class WorkerTerminatedPayload
  extends WorkerEventPayload
  implements WorkerTerminatedData {}
