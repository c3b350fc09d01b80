import type { InstanceOwnerNotifiedData } from '@lcm/domain';
import { IsIn } from 'class-validator';
import { InstanceEventPayload } from '../common/instance-event.data';
import { IsNonBlankString, type CoversUnion } from '../common/data-validators';

type Notification = InstanceOwnerNotifiedData['notification'];

export const OWNER_NOTIFICATIONS = [
  'instance_failed',
  'instance_force_terminated',
] as const satisfies readonly Notification[];
const _everyNotification: CoversUnion<
  Notification,
  typeof OWNER_NOTIFICATIONS
> = true;

/** `lcm.lablet.instance.owner.notified` (lcm/controller): the owner must hear of a crash or forced end. */
export class InstanceOwnerNotifiedPayload
  extends InstanceEventPayload
  implements InstanceOwnerNotifiedData
{
  @IsNonBlankString()
  ownerId!: string;

  @IsIn(OWNER_NOTIFICATIONS)
  notification!: Notification;
}
