import type { ScalingEventData } from '@lcm/domain';
import { IsNonBlankString, IsTimestamp } from './data-validators';

/**
 * The fields every `lcm.scaling.*` event carries, except `workerId` (optional on
 * `up.requested`, required on the others), which each class declares.
 */
export abstract class ScalingEventCommonFields
  implements Omit<ScalingEventData, 'workerId'>
{
  /** The worker template name. */
  @IsNonBlankString()
  template!: string;

  @IsNonBlankString()
  reason!: string;

  @IsTimestamp()
  timestamp!: string;
}
