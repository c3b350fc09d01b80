import type { WorkerUncordonedData } from '@lcm/domain';
import { Equals } from 'class-validator';
import { WorkerEventCommonFields } from '../common/worker-event.data';

/** `lcm.worker.uncordoned` (lcm/api): an admin put the worker back into placement. */
export class WorkerUncordonedPayload
  extends WorkerEventCommonFields
  implements WorkerUncordonedData
{
  @Equals(false)
  cordoned!: false;

  @Equals('admin_action')
  reason!: 'admin_action';
}
