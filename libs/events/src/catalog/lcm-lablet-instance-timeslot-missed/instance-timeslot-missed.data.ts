import type { InstanceTimeslotMissedData } from '@lcm/domain';
import { IsInt, Min } from 'class-validator';
import { InstanceEventPayload } from '../common/instance-event.data';
import {
  IsNonBlankString,
  IsTimestamp,
  NullAllowed,
} from '../common/data-validators';

/**
 * `lcm.lablet.instance.timeslot.missed` (lcm/controller): a PENDING instance got no room by its
 * slot start plus the grace period and was terminated (reason `timeslot_missed`).
 */
export class InstanceTimeslotMissedPayload
  extends InstanceEventPayload
  implements InstanceTimeslotMissedData
{
  @IsNonBlankString()
  ownerId!: string;

  @IsTimestamp()
  timeslotStart!: string;

  @Min(0)
  @IsInt()
  graceMinutes!: number;

  /** Why it was still unplaced (its last explanation), when known. */
  @NullAllowed()
  @IsNonBlankString()
  pendingReason!: string | null;
}
