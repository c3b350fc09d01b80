// class-transformer's @Type reads decorator metadata, so the polyfill must load first.
import 'reflect-metadata';
import type { AssessmentGradingCompletedData } from '@lcm/domain';
import { Type } from 'class-transformer';
import { IsBoolean, IsObject, ValidateNested } from 'class-validator';
import { AssessmentScorePayload } from '../common/grading-score.data';
import { IsNonBlankString } from '../common/data-validators';

/** `assessment.grading.completed` (consumed, Grading Engine): store the score, GRADING -> STOPPING. */
export class AssessmentGradingCompletedPayload
  implements AssessmentGradingCompletedData
{
  @IsNonBlankString()
  instanceId!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => AssessmentScorePayload)
  score!: AssessmentScorePayload;

  /** Goes into the stored score. */
  @IsBoolean()
  passed!: boolean;
}
