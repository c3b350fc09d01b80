import type { InstanceStoppedData } from '@lcm/domain';
import { InstanceEventPayload } from '../common/instance-event.data';

/** `lcm.lablet.instance.stopped` (lcm/controller): the lab is stopped on CML. */
export class InstanceStoppedPayload
  extends InstanceEventPayload
  implements InstanceStoppedData {}
