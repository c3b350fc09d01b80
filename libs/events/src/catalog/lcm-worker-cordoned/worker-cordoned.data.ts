import type { WorkerCordonedData } from '@lcm/domain';
import { Equals } from 'class-validator';
import { WorkerEventCommonFields } from '../common/worker-event.data';

/**
 * `lcm.worker.cordoned` (lcm/api): an admin took the worker out of placement. The state does not
 * change; the worker keeps its instances.
 */
export class WorkerCordonedPayload
  extends WorkerEventCommonFields
  implements WorkerCordonedData
{
  @Equals(true)
  cordoned!: true;

  @Equals('admin_action')
  reason!: 'admin_action';
}
