import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  ABSOLUTE_URI,
  LICENSE_TYPES,
  MAX_INSTANTIATION_ALLOWANCE_MINUTES,
  MAX_LAB_YAML_BYTES,
  MIN_INSTANTIATION_ALLOWANCE_MINUTES,
  PORT_NAME,
  type LabletDefinition,
  type LabletDefinitionSummary,
  type LicenseType,
} from '@lcm/domain';
import {
  IsSemver,
  MatchesDocumented,
  MaxUtf8Bytes,
  NAME,
} from '../http/dto-validators';
import { PageQueryDto } from '../http/pagination';

// The request's shape only (400, documented in the OpenAPI document), with the domain's patterns and
// limits; the definition's rules (placeholders naming ports, the PERSONAL node limit, ...) run once,
// in the domain (validateRegisterDefinitionInput, called by the store): 422.

export class AmiRequirementDto {
  @ApiPropertyOptional({
    example: 'CML-2.9.*',
    description: 'glob over the AMI name',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  namePattern?: string;

  @ApiPropertyOptional({ example: '2.9.0' })
  @IsOptional()
  @IsSemver()
  minVersion?: string;
}

export class ResourceRequirementsDto {
  @ApiProperty({ example: 4, minimum: 1, maximum: 4096 })
  @IsInt()
  @Min(1)
  @Max(4096)
  cpuCores!: number;

  @ApiProperty({ example: 8, minimum: 1, maximum: 65536 })
  @IsInt()
  @Min(1)
  @Max(65_536)
  memoryGb!: number;

  @ApiProperty({ example: 50, minimum: 1, maximum: 1048576 })
  @IsInt()
  @Min(1)
  @Max(1_048_576)
  storageGb!: number;

  @ApiProperty({ example: true })
  @IsBoolean()
  nestedVirt!: boolean;

  @ApiPropertyOptional({ type: [AmiRequirementDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @ValidateNested({ each: true })
  @Type(() => AmiRequirementDto)
  amiRequirements?: AmiRequirementDto[];
}

export class PortDefinitionDto {
  @ApiProperty({ example: 'serial_1', pattern: PORT_NAME.source })
  @IsString()
  @MatchesDocumented(PORT_NAME, {
    message:
      "name must start with a letter and contain only letters, digits, '_' or '-' (at most 63)",
  })
  name!: string;

  @ApiProperty({ enum: ['tcp', 'udp'] })
  @IsIn(['tcp', 'udp'])
  protocol!: 'tcp' | 'udp';
}

export class PortTemplateDto {
  @ApiProperty({ type: [PortDefinitionDto] })
  @IsArray()
  @ArrayMaxSize(256)
  @ValidateNested({ each: true })
  @Type(() => PortDefinitionDto)
  ports!: PortDefinitionDto[];
}

export class OwnerNotificationDto {
  @ApiPropertyOptional({ type: [String], example: ['lab-owner@example.com'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsEmail({}, { each: true })
  @MaxLength(254, { each: true })
  emails?: string[];

  @ApiPropertyOptional({ example: 'https://hooks.example.com/lcm' })
  @IsOptional()
  @IsUrl({
    protocols: ['http', 'https'],
    require_protocol: true,
    require_tld: false,
  })
  @MaxLength(2048)
  webhookUrl?: string;
}

/** `POST /api/v1/definitions`: a definition version (docs/domain.md#definitions with docs/decisions/0012-lab-yaml-inline-versioned-by-hash.md: the lab YAML inline). */
export class RegisterDefinitionDto {
  @ApiProperty({ example: 'devasc-lab', pattern: NAME.source })
  @IsString()
  @MatchesDocumented(NAME, {
    message:
      'name must start with a letter or digit and contain only letters, digits and . _ - (at most 128)',
  })
  name!: string;

  @ApiPropertyOptional({
    example: '1.0.0',
    description:
      'omitted: the next patch version of the name (1.0.0 for a new name)',
  })
  @IsOptional()
  @IsSemver()
  version?: string;

  @ApiPropertyOptional({ maxLength: 4096 })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  description?: string;

  @ApiProperty({
    description:
      'CML lab YAML (at most 1 MiB); ${PORT_<NAME>} placeholders must name ports of portTemplate',
    minLength: 1,
  })
  @IsString()
  @IsNotEmpty()
  @MaxUtf8Bytes(MAX_LAB_YAML_BYTES)
  labYaml!: string;

  @ApiProperty({ type: ResourceRequirementsDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ResourceRequirementsDto)
  resourceRequirements!: ResourceRequirementsDto;

  @ApiProperty({ enum: LICENSE_TYPES, isArray: true, example: ['PERSONAL'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LICENSE_TYPES.length)
  @ArrayUnique()
  @IsIn(LICENSE_TYPES, { each: true })
  licenseAffinity!: LicenseType[];

  @ApiProperty({ example: 3, minimum: 1, maximum: 10000 })
  @IsInt()
  @Min(1)
  @Max(10_000)
  nodeCount!: number;

  @ApiProperty({ type: PortTemplateDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PortTemplateDto)
  portTemplate!: PortTemplateDto;

  @ApiProperty({ example: 120, minimum: 1, maximum: 527040 })
  @IsInt()
  @Min(1)
  @Max(60 * 24 * 366)
  maxDurationMinutes!: number;

  @ApiPropertyOptional({ example: 's3://grading/devasc.yaml' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @MatchesDocumented(ABSOLUTE_URI, {
    message: 'gradingRulesUri must be an absolute URI',
  })
  gradingRulesUri?: string;

  @ApiPropertyOptional({
    example: 5,
    minimum: MIN_INSTANTIATION_ALLOWANCE_MINUTES,
    maximum: MAX_INSTANTIATION_ALLOWANCE_MINUTES,
    description:
      'how long this lab takes from placement on a running worker to running (import and start), in minutes: a booking is placed this long (plus a worker start-up when one must be started) before its slot. Omitted: the deployment INSTANTIATION_ALLOWANCE_MINUTES',
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_INSTANTIATION_ALLOWANCE_MINUTES)
  @Max(MAX_INSTANTIATION_ALLOWANCE_MINUTES)
  instantiationAllowanceMinutes?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  warmPoolDepth?: number;

  @ApiPropertyOptional({ type: OwnerNotificationDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => OwnerNotificationDto)
  ownerNotification?: OwnerNotificationDto;
}

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class DefinitionQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @MatchesDocumented(NAME, { message: 'name must be a definition name' })
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsSemver()
  version?: string;

  @ApiPropertyOptional({
    enum: LICENSE_TYPES,
    description: 'definitions whose licence affinity includes this type',
  })
  @IsOptional()
  @IsIn(LICENSE_TYPES)
  licenseType?: LicenseType;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  deprecated?: boolean;
}

export class VersionsQueryDto extends PageQueryDto {}

/** A definition version as the api returns it (lists leave `labYaml` out). */
export class DefinitionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: '1.0.0' }) version!: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({ description: 'absent in lists' }) labYaml?: string;
  @ApiProperty({ example: 'sha256:…' }) labYamlHash!: string;
  @ApiProperty({ type: ResourceRequirementsDto })
  resourceRequirements!: ResourceRequirementsDto;
  @ApiProperty({ enum: LICENSE_TYPES, isArray: true })
  licenseAffinity!: LicenseType[];
  @ApiProperty() nodeCount!: number;
  @ApiProperty({ type: PortTemplateDto }) portTemplate!: PortTemplateDto;
  @ApiPropertyOptional() gradingRulesUri?: string;
  @ApiProperty() maxDurationMinutes!: number;
  @ApiPropertyOptional({
    description:
      'the declared instantiation allowance; absent: the deployment INSTANTIATION_ALLOWANCE_MINUTES',
  })
  instantiationAllowanceMinutes?: number;
  @ApiPropertyOptional() warmPoolDepth?: number;
  @ApiPropertyOptional({ type: OwnerNotificationDto })
  ownerNotification?: OwnerNotificationDto;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() deprecated!: boolean;
  @ApiPropertyOptional({ format: 'date-time' }) deprecatedAt?: string;
  @ApiPropertyOptional() deprecatedBy?: string;
}

export class DefinitionPageDto {
  @ApiProperty({ type: [DefinitionDto] }) items!: DefinitionDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export function toDefinitionDto(
  definition: LabletDefinition | LabletDefinitionSummary,
): DefinitionDto {
  return { ...definition };
}
