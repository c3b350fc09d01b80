import type { ScalingDownCompletedData } from '@lcm/domain';
import { ScalingEventCommonFields } from '../common/scaling-event.data';
import { IsNonBlankString } from '../common/data-validators';

/** `lcm.scaling.down.completed` (lcm/controller): the drained worker stopped or was terminated. */
export class ScalingDownCompletedPayload
  extends ScalingEventCommonFields
  implements ScalingDownCompletedData
{
  @IsNonBlankString()
  workerId!: string;
}
