import type { WorkerDrainCancelledData } from '@lcm/domain';
import { Equals } from 'class-validator';
import { WorkerEventCommonFields } from '../common/worker-event.data';
import { IsNonBlankString } from '../common/data-validators';

/** `lcm.worker.drain.cancelled` (lcm/controller): an admin cancelled a drain; the worker runs again. */
export class WorkerDrainCancelledPayload
  extends WorkerEventCommonFields
  implements WorkerDrainCancelledData
{
  @IsNonBlankString()
  cancelledBy!: string;

  @Equals('admin_action')
  reason!: 'admin_action';
}
