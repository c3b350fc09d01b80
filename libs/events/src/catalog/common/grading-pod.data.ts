// class-transformer's @Type reads decorator metadata, so the polyfill must load first.
import 'reflect-metadata';
import type {
  GradingAuthentication,
  GradingDevice,
  GradingDeviceInterface,
  GradingPod,
} from '@lcm/domain';
import { Type } from 'class-transformer';
import {
  Equals,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  IsNonBlankString,
  IsStringRecord,
  type CoversUnion,
} from './data-validators';

// The grading Pod (docs/lab-yaml.md#the-grading-pod) travels in `lcm.lablet.instance.running`.

const SCHEMES = ['none', 'vnc_password'] as const;
const PROTOCOLS = ['console', 'vnc'] as const;
const _schemesComplete: CoversUnion<
  GradingAuthentication['scheme'],
  typeof SCHEMES
> = true;
const _protocolsComplete: CoversUnion<
  GradingDeviceInterface['protocol'],
  typeof PROTOCOLS
> = true;

export class GradingAuthenticationPayload implements GradingAuthentication {
  @IsIn(SCHEMES)
  scheme!: GradingAuthentication['scheme'];

  @IsStringRecord()
  properties!: Record<string, string>;
}

export class GradingDeviceInterfacePayload implements GradingDeviceInterface {
  @IsNonBlankString()
  name!: string;

  @IsIn(PROTOCOLS)
  protocol!: GradingDeviceInterface['protocol'];

  @IsNonBlankString()
  host!: string;

  @Min(1)
  @Max(65535)
  @IsInt()
  port!: number;

  @IsObject()
  @ValidateNested()
  @Type(() => GradingAuthenticationPayload)
  authentication!: GradingAuthenticationPayload;

  @IsObject()
  configuration!: Record<string, unknown>;
}

export class GradingDevicePayload implements GradingDevice {
  @IsNonBlankString()
  label!: string;

  @IsNonBlankString()
  hostname!: string;

  @Equals('lcm')
  collector!: 'lcm';

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => GradingDeviceInterfacePayload)
  interfaces!: GradingDeviceInterfacePayload[];
}

export class GradingPodPayload implements GradingPod {
  @IsNonBlankString()
  id!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => GradingDevicePayload)
  devices!: GradingDevicePayload[];
}
