import type { WorkerDrainingData } from '@lcm/domain';
import { IsInt, Min } from 'class-validator';
import { WorkerEventPayload } from '../common/worker-event.data';
import { IsTimestamp } from '../common/data-validators';

/** `lcm.worker.draining` (lcm/controller): no new instances; the current ones finish. */
export class WorkerDrainingPayload
  extends WorkerEventPayload
  implements WorkerDrainingData
{
  @Min(0)
  @IsInt()
  runningInstancesCount!: number;

  @IsTimestamp()
  estimatedDrainCompletion!: string;

  @IsTimestamp()
  drainStartedAt!: string;
}
