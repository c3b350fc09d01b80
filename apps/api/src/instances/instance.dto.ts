import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import {
  INSTANCE_STATES,
  type InstanceState,
  type LabletInstance,
} from '@lcm/domain';
import type { Versioned } from '@lcm/state-store';
import {
  EXTERNAL_ID,
  IsSemver,
  IsTimestamp,
  UUID,
} from '../http/dto-validators';
import { Page, PageQueryDto } from '../http/pagination';
import {
  JsonBytes,
  jsonPage,
  SerializedRecords,
} from '../http/serialized-json';
import { MatchesDocumented } from '../http/dto-validators';

/** `POST /api/v1/instances`: a reservation (docs/api.md#endpoints, docs/api.md#admission). */
export class CreateInstanceDto {
  @ApiProperty({
    format: 'uuid',
    description: 'a version of the definition (any version of its name)',
  })
  @IsString()
  @MatchesDocumented(UUID, { message: 'definitionId must be a UUID' })
  definitionId!: string;

  @ApiPropertyOptional({
    example: '1.0.2',
    description:
      'pins this version of the definition’s name; omitted: the latest non-deprecated version',
  })
  @IsOptional()
  @IsSemver()
  definitionVersion?: string;

  @ApiProperty({
    format: 'date-time',
    description: 'at or before now means as soon as possible',
  })
  @IsTimestamp()
  timeslotStart!: string;

  @ApiProperty({
    format: 'date-time',
    description:
      'after timeslotStart, at most the definition’s maxDurationMinutes later',
  })
  @IsTimestamp()
  timeslotEnd!: string;

  @ApiPropertyOptional({
    description:
      'defaults to the caller; only admin and manager may name another owner',
  })
  @IsOptional()
  @IsString()
  @MatchesDocumented(EXTERNAL_ID, {
    message:
      'ownerId must be an id of letters, digits and . _ : @ + - (at most 256)',
  })
  ownerId?: string;

  @ApiPropertyOptional({
    description: 'an external booking this instance belongs to',
  })
  @IsOptional()
  @IsString()
  @MatchesDocumented(EXTERNAL_ID, {
    message:
      'reservationId must be an id of letters, digits and . _ : @ + - (at most 256)',
  })
  reservationId?: string;
}

export class InstanceQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: INSTANCE_STATES })
  @IsOptional()
  @IsIn(INSTANCE_STATES)
  state?: InstanceState;

  @ApiPropertyOptional()
  @IsOptional()
  @MatchesDocumented(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, {
    message: 'workerId must be a worker id',
  })
  workerId?: string;

  @ApiPropertyOptional({ description: 'a `user` may only ask for its own' })
  @IsOptional()
  @MatchesDocumented(EXTERNAL_ID, { message: 'ownerId must be an owner id' })
  ownerId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @MatchesDocumented(UUID, { message: 'definitionId must be a UUID' })
  definitionId?: string;
}

class StateTransitionDto {
  @ApiProperty({ nullable: true, type: String }) from!: string | null;
  @ApiProperty() to!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() triggeredBy!: string;
  @ApiPropertyOptional() reason?: string;
}

class RequestedActionDto {
  @ApiProperty({ enum: ['stop', 'delete', 'start', 'collect'] })
  action!: string;
  @ApiProperty() requestedBy!: string;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
}

class GradingScoreDto {
  @ApiProperty() total!: number;
  @ApiProperty() max!: number;
  @ApiProperty() passed!: boolean;
  @ApiProperty({
    type: 'array',
    items: {
      type: 'object',
      properties: {
        criterion: { type: 'string' },
        points: { type: 'number' },
        max: { type: 'number' },
      },
    },
  })
  breakdown!: { criterion: string; points: number; max: number }[];
}

/** A lablet instance (docs/domain.md#instances) with its etcd resource version. */
export class InstanceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: INSTANCE_STATES }) state!: InstanceState;
  @ApiProperty({ format: 'uuid' }) definitionId!: string;
  @ApiProperty() definitionName!: string;
  @ApiProperty() definitionVersion!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty({ nullable: true, type: String }) reservationId!: string | null;
  @ApiProperty({ format: 'date-time' }) timeslotStart!: string;
  @ApiProperty({ format: 'date-time' }) timeslotEnd!: string;
  @ApiProperty({ nullable: true, type: String }) workerId!: string | null;
  @ApiProperty({
    nullable: true,
    type: 'object',
    additionalProperties: { type: 'integer' },
  })
  allocatedPorts!: Record<string, number> | null;
  @ApiProperty({ nullable: true, type: String }) cmlLabId!: string | null;
  @ApiProperty({ nullable: true, type: GradingScoreDto })
  gradingScore!: GradingScoreDto | null;
  @ApiProperty() retryCount!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'why the scheduler has not placed it yet',
  })
  pendingReason!: string | null;
  @ApiProperty({
    nullable: true,
    type: RequestedActionDto,
    description: 'asked for, not yet carried out by the controller',
  })
  requestedAction!: RequestedActionDto | null;
  @ApiProperty({ nullable: true, type: String }) stateReason!: string | null;
  @ApiProperty({ type: [StateTransitionDto] })
  stateHistory!: StateTransitionDto[];
  @ApiProperty({
    type: 'object',
    description: 'the placement spec pinned from the definition version',
    additionalProperties: true,
  })
  spec!: object;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  scheduledAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  startedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  terminatedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ description: 'etcd mod revision of the record' })
  resourceVersion!: number;
}

export class InstancePageDto {
  @ApiProperty({ type: [InstanceDto] }) items!: InstanceDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
  @ApiProperty({
    type: 'integer',
    description:
      'the state-store revision the list was read at: every write acknowledged before the request is in it (pages are keyset-paged by `cursor`, stable while writes continue)',
  })
  resourceVersion!: number;
}

export function toInstanceDto({
  value,
  revision,
}: Versioned<LabletInstance>): InstanceDto {
  const { schemaVersion: _schema, generation: _generation, ...fields } = value;
  return { ...fields, resourceVersion: revision };
}

/** Instance records' JSON (InstanceDto), kept for the most recently served records. */
const instanceTexts = new SerializedRecords<
  Versioned<LabletInstance>,
  InstanceDto
>((record) => JSON.stringify(toInstanceDto(record)));

/** One instance as its InstanceDto JSON. */
export function instanceJson(
  record: Versioned<LabletInstance>,
): JsonBytes<InstanceDto> {
  return instanceTexts.json(record);
}

/** A page of instances as its InstancePageDto JSON. */
export function instancePageJson(
  page: Page<Versioned<LabletInstance>>,
): JsonBytes<InstancePageDto> {
  return jsonPage(
    page.items.map((record) => instanceTexts.json(record)),
    page.nextCursor,
    page.resourceVersion ?? 0,
  );
}
