import type {
  CollectionReason,
  InstanceCollectingStartedData,
} from '@lcm/domain';
import { IsIn } from 'class-validator';
import { InstanceEventPayload } from '../common/instance-event.data';
import type { CoversUnion } from '../common/data-validators';

export const COLLECTION_REASONS = [
  'manual',
  'timeslot_end',
  'assessment_request',
] as const satisfies readonly CollectionReason[];
const _everyCollectionReason: CoversUnion<
  CollectionReason,
  typeof COLLECTION_REASONS
> = true;

/** `lcm.lablet.instance.collecting.started` (lcm/api): results collection asked of the assessment side. */
export class InstanceCollectingStartedPayload
  extends InstanceEventPayload
  implements InstanceCollectingStartedData
{
  @IsIn(COLLECTION_REASONS)
  collectionReason!: CollectionReason;
}
