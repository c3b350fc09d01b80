import type { WorkerFailedData } from '@lcm/domain';
import { WorkerEventPayload } from '../common/worker-event.data';

/** `lcm.worker.failed` (lcm/controller): provisioning failed or timed out. */
export class WorkerFailedPayload
  extends WorkerEventPayload
  implements WorkerFailedData {}
