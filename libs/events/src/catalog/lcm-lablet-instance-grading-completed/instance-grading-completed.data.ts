// class-transformer's @Type reads decorator metadata, so the polyfill must load first.
import 'reflect-metadata';
import type { InstanceGradingCompletedData } from '@lcm/domain';
import { Type } from 'class-transformer';
import { IsObject, Min, ValidateNested } from 'class-validator';
import { GradingScorePayload } from '../common/grading-score.data';
import { InstanceEventPayload } from '../common/instance-event.data';
import { IsFiniteNumber } from '../common/data-validators';

/** `lcm.lablet.instance.grading.completed` (lcm/api): the score is stored. */
export class InstanceGradingCompletedPayload
  extends InstanceEventPayload
  implements InstanceGradingCompletedData
{
  @IsObject()
  @ValidateNested()
  @Type(() => GradingScorePayload)
  score!: GradingScorePayload;

  @Min(0)
  @IsFiniteNumber()
  gradingDurationSeconds!: number;
}
