import type { InstancePendingData } from '@lcm/domain';
import { InstanceEventPayload } from '../common/instance-event.data';
import {
  IsNonBlankString,
  IsTimestamp,
  NullAllowed,
} from '../common/data-validators';

/** `lcm.lablet.instance.pending` (lcm/api): an instance was created and waits for a worker. */
export class InstancePendingPayload
  extends InstanceEventPayload
  implements InstancePendingData
{
  @IsNonBlankString()
  ownerId!: string;

  @NullAllowed()
  @IsNonBlankString()
  reservationId!: string | null;

  @IsTimestamp()
  timeslotStart!: string;

  @IsTimestamp()
  timeslotEnd!: string;

  @IsTimestamp()
  createdAt!: string;
}
