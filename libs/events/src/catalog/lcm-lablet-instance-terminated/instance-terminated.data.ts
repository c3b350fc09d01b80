// class-transformer's @Type reads decorator metadata, so the polyfill must load first.
import 'reflect-metadata';
import {
  INSTANCE_STATES,
  type InstanceState,
  type InstanceTerminatedData,
} from '@lcm/domain';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  Min,
  ValidateNested,
} from 'class-validator';
import { GradingScoreSummaryPayload } from '../common/grading-score.data';
import { InstanceEventPayload } from '../common/instance-event.data';
import { NullAllowed } from '../common/data-validators';

/** `lcm.lablet.instance.terminated`: the final state; no cost estimate (docs/events.md#catalog). */
export class InstanceTerminatedPayload
  extends InstanceEventPayload
  implements InstanceTerminatedData
{
  /** The state the instance left (e.g. `archived`). */
  @IsIn(INSTANCE_STATES)
  finalState!: InstanceState;

  @NullAllowed()
  @IsObject()
  @ValidateNested()
  @Type(() => GradingScoreSummaryPayload)
  gradingScore!: GradingScoreSummaryPayload | null;

  /** From first start to termination; null if it never ran. */
  @NullAllowed()
  @Min(0)
  @IsInt()
  durationMinutes!: number | null;

  @IsBoolean()
  forced!: boolean;
}
