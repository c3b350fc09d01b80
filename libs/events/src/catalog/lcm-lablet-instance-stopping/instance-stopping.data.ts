import type { InstanceStoppingData } from '@lcm/domain';
import { InstanceEventPayload } from '../common/instance-event.data';

/** `lcm.lablet.instance.stopping`: a stop began (user, timeslot end, grading done, drain force-stop). */
export class InstanceStoppingPayload
  extends InstanceEventPayload
  implements InstanceStoppingData {}
