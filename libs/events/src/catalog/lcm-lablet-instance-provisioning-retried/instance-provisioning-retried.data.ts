import type { InstanceProvisioningRetriedData } from '@lcm/domain';
import { IsInt, Min } from 'class-validator';
import { InstanceEventPayload } from '../common/instance-event.data';

/** `lcm.lablet.instance.provisioning.retried` (lcm/controller): instantiation retried on a draining worker. */
export class InstanceProvisioningRetriedPayload
  extends InstanceEventPayload
  implements InstanceProvisioningRetriedData
{
  @Min(1)
  @IsInt()
  retryCount!: number;

  @Min(0)
  @IsInt()
  maxRetries!: number;
}
