import {
  INSTANCE_STATES,
  type InstanceEventData,
  type InstanceState,
} from '@lcm/domain';
import { IsIn } from 'class-validator';
import {
  IsNonBlankString,
  IsTimestamp,
  NullAllowed,
  OptionalField,
} from './data-validators';

/**
 * The fields every instance event carries (docs/events.md#envelope), except `workerId`: some types allow a
 * null worker and some require one, so each class declares it. (Re-declaring an inherited
 * property would merge the two sets of class-validator rules, not replace them.)
 */
export abstract class InstanceEventCommonFields
  implements Omit<InstanceEventData, 'workerId'>
{
  @IsNonBlankString()
  instanceId!: string;

  @IsNonBlankString()
  definitionId!: string;

  @IsNonBlankString()
  definitionVersion!: string;

  @NullAllowed()
  @IsIn(INSTANCE_STATES)
  previousState!: InstanceState | null;

  @IsIn(INSTANCE_STATES)
  newState!: InstanceState;

  @IsTimestamp()
  timestamp!: string;

  @IsNonBlankString()
  triggeredBy!: string;

  @OptionalField()
  @IsNonBlankString()
  reason?: string;
}

/** Every instance event field, with the worker (null before placement) as the domain gives it. */
export class InstanceEventPayload
  extends InstanceEventCommonFields
  implements InstanceEventData
{
  @NullAllowed()
  @IsNonBlankString()
  workerId!: string | null;
}
