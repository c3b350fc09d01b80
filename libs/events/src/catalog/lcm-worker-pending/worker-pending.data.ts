import type { WorkerPendingData } from '@lcm/domain';
import { WorkerEventPayload } from '../common/worker-event.data';

/** `lcm.worker.pending` (lcm/controller): a scale-up created (or reused) a worker. */
export class WorkerPendingPayload
  extends WorkerEventPayload
  implements WorkerPendingData {}
