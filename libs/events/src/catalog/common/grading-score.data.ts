// class-transformer's @Type reads decorator metadata, so the polyfill must load first.
import 'reflect-metadata';
import type { GradingCriterionScore, GradingScore } from '@lcm/domain';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, Min, ValidateNested } from 'class-validator';
import { IsFiniteNumber, IsNonBlankString } from './data-validators';

// Score numbers are finite and >= 0, as the domain's validateGradingScore requires.

export class GradingCriterionScorePayload implements GradingCriterionScore {
  @IsNonBlankString()
  criterion!: string;

  @Min(0)
  @IsFiniteNumber()
  points!: number;

  @Min(0)
  @IsFiniteNumber()
  max!: number;
}

/** `{ total, max, breakdown[] }`: the score as the Grading Engine sends it (`passed` travels beside it). */
export class AssessmentScorePayload {
  @Min(0)
  @IsFiniteNumber()
  total!: number;

  @Min(0)
  @IsFiniteNumber()
  max!: number;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => GradingCriterionScorePayload)
  breakdown!: GradingCriterionScorePayload[];
}

/** The stored score, `passed` included (`lcm.lablet.instance.grading.completed`). */
export class GradingScorePayload
  extends AssessmentScorePayload
  implements GradingScore
{
  @IsBoolean()
  passed!: boolean;
}

/** The short score in `lcm.lablet.instance.terminated`. */
export class GradingScoreSummaryPayload
  implements Pick<GradingScore, 'total' | 'max' | 'passed'>
{
  @Min(0)
  @IsFiniteNumber()
  total!: number;

  @Min(0)
  @IsFiniteNumber()
  max!: number;

  @IsBoolean()
  passed!: boolean;
}
