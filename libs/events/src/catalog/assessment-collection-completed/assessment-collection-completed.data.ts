import type { AssessmentCollectionCompletedData } from '@lcm/domain';
import { IsNonBlankString, OptionalField } from '../common/data-validators';

/** `assessment.collection.completed` (consumed, Assessment Platform): COLLECTING -> GRADING. */
export class AssessmentCollectionCompletedPayload
  implements AssessmentCollectionCompletedData
{
  @IsNonBlankString()
  instanceId!: string;

  @IsNonBlankString()
  collectionId!: string;

  @IsNonBlankString()
  artifactsUri!: string;

  /** The Grading Engine session that will grade it, when the platform knows it. */
  @OptionalField()
  @IsNonBlankString()
  gradingEngineSessionId?: string;
}
