import type { InstanceScheduledData, PortMap } from '@lcm/domain';
import { InstanceEventCommonFields } from '../common/instance-event.data';
import { IsNonBlankString, IsPortMap } from '../common/data-validators';

/** `lcm.lablet.instance.scheduled` (lcm/scheduler): placed on a worker, ports allocated. */
export class InstanceScheduledPayload
  extends InstanceEventCommonFields
  implements InstanceScheduledData
{
  @IsNonBlankString()
  workerId!: string;

  @IsPortMap()
  allocatedPorts!: PortMap;
}
