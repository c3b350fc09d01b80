import type { InstanceGradingStartedData } from '@lcm/domain';
import { InstanceEventPayload } from '../common/instance-event.data';
import { IsNonBlankString, NullAllowed } from '../common/data-validators';

/** `lcm.lablet.instance.grading.started` (lcm/api): `assessment.collection.completed` arrived. */
export class InstanceGradingStartedPayload
  extends InstanceEventPayload
  implements InstanceGradingStartedData
{
  @NullAllowed()
  @IsNonBlankString()
  gradingEngineSessionId!: string | null;

  @NullAllowed()
  @IsNonBlankString()
  collectionId!: string | null;

  @NullAllowed()
  @IsNonBlankString()
  artifactsUri!: string | null;
}
