import type { WorkerRunningData } from '@lcm/domain';
import { WorkerEventPayload } from '../common/worker-event.data';
import { IsNonBlankString, NullAllowed } from '../common/data-validators';

/** `lcm.worker.running` (lcm/controller): the worker is ready for instances. */
export class WorkerRunningPayload
  extends WorkerEventPayload
  implements WorkerRunningData
{
  @NullAllowed()
  @IsNonBlankString()
  hostname!: string | null;
}
