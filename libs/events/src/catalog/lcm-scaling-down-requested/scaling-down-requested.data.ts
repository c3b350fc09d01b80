import type { ScalingDownRequestedData } from '@lcm/domain';
import { IsInt, Min } from 'class-validator';
import { ScalingEventCommonFields } from '../common/scaling-event.data';
import { IsNonBlankString, IsTimestamp } from '../common/data-validators';

/** `lcm.scaling.down.requested` (lcm/controller): an idle worker starts draining. */
export class ScalingDownRequestedPayload
  extends ScalingEventCommonFields
  implements ScalingDownRequestedData
{
  @IsNonBlankString()
  workerId!: string;

  @Min(0)
  @IsInt()
  runningInstancesCount!: number;

  @IsTimestamp()
  estimatedDrainCompletion!: string;
}
