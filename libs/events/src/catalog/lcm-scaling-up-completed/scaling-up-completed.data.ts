import type { ScalingUpCompletedData } from '@lcm/domain';
import { ScalingEventCommonFields } from '../common/scaling-event.data';
import { IsNonBlankString } from '../common/data-validators';

/** `lcm.scaling.up.completed` (lcm/controller): the new worker is running. */
export class ScalingUpCompletedPayload
  extends ScalingEventCommonFields
  implements ScalingUpCompletedData
{
  @IsNonBlankString()
  workerId!: string;
}
