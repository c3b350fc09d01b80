import type { ScalingUpRequestedData } from '@lcm/domain';
import { ScalingEventCommonFields } from '../common/scaling-event.data';
import {
  IsNonBlankString,
  IsTimestamp,
  OptionalField,
} from '../common/data-validators';

/**
 * `lcm.scaling.up.requested`: a shortage was found. `workerId` is there when a worker was created
 * for it, absent when the scheduler only signals the shortage (subject: the template name).
 */
export class ScalingUpRequestedPayload
  extends ScalingEventCommonFields
  implements ScalingUpRequestedData
{
  @OptionalField()
  @IsNonBlankString()
  workerId?: string;

  @IsTimestamp()
  estimatedReadyTime!: string;
}
