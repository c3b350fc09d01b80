import type { InstanceProvisioningStartedData, PortMap } from '@lcm/domain';
import { Matches } from 'class-validator';
import { InstanceEventCommonFields } from '../common/instance-event.data';
import {
  IsNonBlankString,
  IsPortMap,
  LAB_YAML_HASH_PATTERN,
} from '../common/data-validators';

/** `lcm.lablet.instance.provisioning.started` (lcm/controller): the lab import begins. */
export class InstanceProvisioningStartedPayload
  extends InstanceEventCommonFields
  implements InstanceProvisioningStartedData
{
  @IsNonBlankString()
  workerId!: string;

  @IsPortMap()
  allocatedPorts!: PortMap;

  @Matches(LAB_YAML_HASH_PATTERN, {
    message: '$property must be sha256:<64 hex digits>',
  })
  labYamlHash!: string;
}
