import type { InstanceArchivedData } from '@lcm/domain';
import { InstanceEventPayload } from '../common/instance-event.data';

/** `lcm.lablet.instance.archived` (lcm/controller): results stored, the lab wiped on CML. */
export class InstanceArchivedPayload
  extends InstanceEventPayload
  implements InstanceArchivedData {}
