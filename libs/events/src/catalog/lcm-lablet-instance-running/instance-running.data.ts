// class-transformer's @Type reads decorator metadata, so the polyfill must load first.
import 'reflect-metadata';
import type { InstanceRunningData, PortMap } from '@lcm/domain';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsObject,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { GradingPodPayload } from '../common/grading-pod.data';
import { InstanceEventCommonFields } from '../common/instance-event.data';
import {
  IsNonBlankString,
  IsPortMap,
  IsTimestamp,
  NullAllowed,
} from '../common/data-validators';

/** `podAssigned` says whether `pod` is there; the two must agree. */
function MatchesPodPresence(): PropertyDecorator {
  return ValidateBy({
    name: 'matchesPodPresence',
    validator: {
      validate: (value, args) => {
        const pod = (args?.object as { pod?: unknown } | undefined)?.pod;
        return value === (pod !== null && pod !== undefined);
      },
      defaultMessage: () =>
        '$property must be true exactly when pod is present (not null)',
    },
  });
}

/** `lcm.lablet.instance.running` (lcm/controller): the lab started; carries the grading Pod (docs/lab-yaml.md#the-grading-pod). */
export class InstanceRunningPayload
  extends InstanceEventCommonFields
  implements InstanceRunningData
{
  @IsNonBlankString()
  workerId!: string;

  @IsNonBlankString()
  workerHostname!: string;

  @IsNonBlankString()
  cmlLabId!: string;

  @IsPortMap()
  allocatedPorts!: PortMap;

  @IsTimestamp()
  startedAt!: string;

  @MatchesPodPresence()
  @IsBoolean()
  podAssigned!: boolean;

  @NullAllowed()
  @IsObject()
  @ValidateNested()
  @Type(() => GradingPodPayload)
  pod!: GradingPodPayload | null;

  /** True for stopped -> running. */
  @IsBoolean()
  restarted!: boolean;
}
