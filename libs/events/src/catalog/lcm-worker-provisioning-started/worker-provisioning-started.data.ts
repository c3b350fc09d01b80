import type { WorkerProvisioningStartedData } from '@lcm/domain';
import { WorkerEventPayload } from '../common/worker-event.data';
import { IsNonBlankString } from '../common/data-validators';

/** `lcm.worker.provisioning.started` (lcm/controller): the provider's create was called. */
export class WorkerProvisioningStartedPayload
  extends WorkerEventPayload
  implements WorkerProvisioningStartedData
{
  /** The cloud instance id. */
  @IsNonBlankString()
  providerInstanceId!: string;
}
