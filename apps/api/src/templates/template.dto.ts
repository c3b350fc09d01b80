import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  EC2_AMI_ID,
  EC2_AMI_OWNER,
  EC2_INSTANCE_PROFILE,
  EC2_LIMITS,
  EC2_SECURITY_GROUP_ID,
  EC2_SUBNET_ID,
  INSTANCE_TYPE,
  LICENSE_TYPES,
  REGION_NAME,
  TEMPLATE_MAX_PORT,
  TEMPLATE_MIN_PORT,
  type LicenseType,
  type WorkerTemplate,
} from '@lcm/domain';
import { MatchesDocumented, NAME } from '../http/dto-validators';
import { PageQueryDto } from '../http/pagination';

// The request's shape only (400, documented in the OpenAPI document), with the domain's patterns and
// limits; the template's rules (a PERSONAL licence's node limit, start below end, amiName within
// amiPattern, ...) run once, in the domain (validateNewTemplate, called by the store): 422.

export class TemplateCapacityDto {
  @ApiProperty({ example: 48 }) @IsInt() @Min(1) @Max(4096) cpuCores!: number;
  @ApiProperty({ example: 192 })
  @IsInt()
  @Min(1)
  @Max(65_536)
  memoryGb!: number;
  @ApiProperty({ example: 500 })
  @IsInt()
  @Min(1)
  @Max(1_048_576)
  storageGb!: number;
}

export class PortRangeDto {
  @ApiProperty({
    example: 2000,
    minimum: TEMPLATE_MIN_PORT,
    maximum: TEMPLATE_MAX_PORT,
  })
  @IsInt()
  @Min(TEMPLATE_MIN_PORT)
  @Max(TEMPLATE_MAX_PORT)
  start!: number;
  @ApiProperty({
    example: 9999,
    minimum: TEMPLATE_MIN_PORT,
    maximum: TEMPLATE_MAX_PORT,
  })
  @IsInt()
  @Min(TEMPLATE_MIN_PORT)
  @Max(TEMPLATE_MAX_PORT)
  end!: number;
}

/** How EC2 launches the template's workers (PROVIDER=aws; other providers ignore it). */
export class TemplateEc2Dto {
  @ApiPropertyOptional({
    example: 'ami-0123456789abcdef0',
    pattern: EC2_AMI_ID.source,
    description:
      'pins one image instead of the newest amiName / amiPattern match',
  })
  @IsOptional()
  @IsString()
  @MaxLength(EC2_LIMITS.idLength)
  @MatchesDocumented(EC2_AMI_ID, {
    message: 'ec2.amiId must be an image id such as ami-0123456789abcdef0',
  })
  amiId?: string;

  @ApiPropertyOptional({
    example: 'self',
    pattern: EC2_AMI_OWNER.source,
    description: 'account id, self (default), amazon or aws-marketplace',
  })
  @IsOptional()
  @IsString()
  @MatchesDocumented(EC2_AMI_OWNER, {
    message:
      'ec2.amiOwner must be an account id, self, amazon or aws-marketplace',
  })
  amiOwner?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', pattern: EC2_SUBNET_ID.source },
    example: ['subnet-0123456789abcdef0'],
    minItems: 1,
    maxItems: EC2_LIMITS.subnetIds,
    description: 'tried in order when a zone has no capacity',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EC2_LIMITS.subnetIds)
  @IsString({ each: true })
  @Matches(EC2_SUBNET_ID, {
    each: true,
    message:
      'ec2.subnetIds must be subnet ids such as subnet-0123456789abcdef0',
  })
  subnetIds?: string[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', pattern: EC2_SECURITY_GROUP_ID.source },
    example: ['sg-0123456789abcdef0'],
    minItems: 1,
    maxItems: EC2_LIMITS.securityGroupIds,
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EC2_LIMITS.securityGroupIds)
  @IsString({ each: true })
  @Matches(EC2_SECURITY_GROUP_ID, {
    each: true,
    message:
      'ec2.securityGroupIds must be security group ids such as sg-0123456789abcdef0',
  })
  securityGroupIds?: string[];

  @ApiPropertyOptional({ example: 'lcm-workers', maxLength: 255 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(EC2_LIMITS.keyNameLength)
  keyName?: string;

  @ApiPropertyOptional({
    example: 'lcm-worker',
    pattern: EC2_INSTANCE_PROFILE.source,
    description: 'instance profile name or ARN',
  })
  @IsOptional()
  @IsString()
  @MaxLength(EC2_LIMITS.iamInstanceProfileLength)
  @MatchesDocumented(EC2_INSTANCE_PROFILE, {
    message: 'ec2.iamInstanceProfile must be an instance profile name or ARN',
  })
  iamInstanceProfile?: string;

  @ApiPropertyOptional({
    example: 500,
    minimum: EC2_LIMITS.rootVolumeGb.min,
    maximum: EC2_LIMITS.rootVolumeGb.max,
    description: 'gp3 root volume size',
  })
  @IsOptional()
  @IsInt()
  @Min(EC2_LIMITS.rootVolumeGb.min)
  @Max(EC2_LIMITS.rootVolumeGb.max)
  rootVolumeGb?: number;

  @ApiPropertyOptional({
    example: '#cloud-config\n',
    maxLength: EC2_LIMITS.userDataLength,
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(EC2_LIMITS.userDataLength)
  userData?: string;
}

/** `POST /api/v1/templates` (admin). Seeded templates come from WORKER_TEMPLATES_CONFIG_PATH instead. */
export class CreateTemplateDto {
  @ApiProperty({ example: 'personal-standard', pattern: NAME.source })
  @IsString()
  @MatchesDocumented(NAME, {
    message:
      'name must start with a letter or digit and contain only letters, digits and . _ - (at most 128)',
  })
  name!: string;

  @ApiPropertyOptional({ maxLength: 4096 })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  description?: string;

  @ApiProperty({ example: 'm5zn.metal' })
  @IsString()
  @MatchesDocumented(INSTANCE_TYPE, {
    message: 'instanceType must be an instance type such as m5zn.metal',
  })
  instanceType!: string;

  @ApiProperty({ type: TemplateCapacityDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => TemplateCapacityDto)
  capacity!: TemplateCapacityDto;

  @ApiProperty({ enum: LICENSE_TYPES })
  @IsIn(LICENSE_TYPES)
  licenseType!: LicenseType;

  @ApiProperty({
    example: 20,
    description: 'licence node limit (PERSONAL: at most 20)',
  })
  @IsInt()
  @Min(1)
  @Max(10_000)
  maxNodes!: number;

  @ApiProperty({ example: 'CML-2.9.*' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  amiPattern!: string;

  @ApiPropertyOptional({
    example: 'CML-2.9.1',
    description: 'a pinned image; must match amiPattern',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  amiName?: string;

  @ApiPropertyOptional({ type: TemplateEc2Dto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TemplateEc2Dto)
  ec2?: TemplateEc2Dto;

  @ApiProperty({ example: 'us-east-1' })
  @IsString()
  @MatchesDocumented(REGION_NAME, {
    message: 'region must be a region name such as us-east-1',
  })
  region!: string;

  @ApiProperty({ example: 20 })
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  startupTimeMinutes!: number;

  @ApiProperty({ type: PortRangeDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PortRangeDto)
  portRange!: PortRangeDto;

  @ApiPropertyOptional({ example: 4, default: 4 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(24 * 30)
  drainTimeoutHours?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { Environment: 'lcm' },
  })
  @IsOptional()
  @IsObject()
  tags?: Record<string, string>;
}

/** `PUT /api/v1/templates/{id}` (admin): the fields to change (the name cannot change; workers refer to it). */
export class UpdateTemplateDto extends PartialType(CreateTemplateDto) {}

export class TemplateQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: LICENSE_TYPES })
  @IsOptional()
  @IsIn(LICENSE_TYPES)
  licenseType?: LicenseType;
  @ApiPropertyOptional()
  @IsOptional()
  @MatchesDocumented(REGION_NAME, { message: 'region must be a region name' })
  region?: string;
}

export class TemplateDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty() instanceType!: string;
  @ApiProperty({ type: TemplateCapacityDto }) capacity!: TemplateCapacityDto;
  @ApiProperty({ enum: LICENSE_TYPES }) licenseType!: LicenseType;
  @ApiProperty() maxNodes!: number;
  @ApiProperty() amiPattern!: string;
  @ApiPropertyOptional() amiName?: string;
  @ApiPropertyOptional({ type: TemplateEc2Dto }) ec2?: TemplateEc2Dto;
  @ApiProperty() region!: string;
  @ApiProperty() startupTimeMinutes!: number;
  @ApiProperty({ type: PortRangeDto }) portRange!: PortRangeDto;
  @ApiProperty() drainTimeoutHours!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  tags!: Record<string, string>;
  @ApiProperty() isSeeded!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class TemplatePageDto {
  @ApiProperty({ type: [TemplateDto] }) items!: TemplateDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export function toTemplateDto(template: WorkerTemplate): TemplateDto {
  return { ...template };
}

/** The body as the repository takes it: only the fields given (DTO instances carry undefined ones). */
export function definedFields<T extends object>(body: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(body).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
