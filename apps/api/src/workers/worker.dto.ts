import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import {
  availableCapacity,
  freePortCount,
  LICENSE_STATUSES,
  LICENSE_TYPES,
  WORKER_STATES,
  type LicenseStatus,
  type LicenseType,
  type Worker,
  type WorkerState,
} from '@lcm/domain';
import type { WorkerView } from '@lcm/state-store';
import { MatchesDocumented, NAME } from '../http/dto-validators';
import { PageQueryDto } from '../http/pagination';

/** `POST /api/v1/workers` (admin): a pending worker built from a template. */
export class CreateWorkerDto {
  @ApiProperty({ example: 'personal-standard' })
  @IsString()
  @MatchesDocumented(NAME, { message: 'templateName must be a template name' })
  templateName!: string;

  @ApiPropertyOptional({ description: 'defaults to <template>-<id prefix>' })
  @IsOptional()
  @IsString()
  @MatchesDocumented(NAME, {
    message:
      'name must start with a letter or digit and contain only letters, digits and . _ - (at most 128)',
  })
  name?: string;
}

export class WorkerQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: WORKER_STATES })
  @IsOptional()
  @IsIn(WORKER_STATES)
  state?: WorkerState;

  @ApiPropertyOptional()
  @IsOptional()
  @MatchesDocumented(NAME, { message: 'templateName must be a template name' })
  templateName?: string;
}

class CapacityDto {
  @ApiProperty() cpuCores!: number;
  @ApiProperty() memoryGb!: number;
  @ApiProperty() storageGb!: number;
  @ApiProperty({
    description:
      "the node limit: the template's, capped by the licence the engine reports",
  })
  maxNodes!: number;
}

/** Named apart from the template body's PortRangeDto: OpenAPI schemas are keyed by class name, and one would replace the other. */
class WorkerPortRangeDto {
  @ApiProperty() start!: number;
  @ApiProperty() end!: number;
}

/** Named apart from the template's licence fields: what the worker's lab engine itself reports. */
class ReportedLicenseDto {
  @ApiProperty({ enum: LICENSE_TYPES }) licenseType!: LicenseType;
  @ApiProperty({
    enum: LICENSE_STATUSES,
    description:
      'REGISTERED or EVALUATION run labs; under UNREGISTERED, EXPIRED or INVALID (out of compliance) the worker takes no new instances',
  })
  status!: LicenseStatus;
  @ApiProperty({
    nullable: true,
    type: 'integer',
    description:
      "most nodes the licence runs at once; caps the worker's declared node capacity",
  })
  nodeLimit!: number | null;
  @ApiProperty({
    nullable: true,
    type: 'integer',
    description: 'nodes the licence counted as in use at readAt',
  })
  nodesInUse!: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'registration COMPLETED, authorization IN_COMPLIANCE',
  })
  detail!: string | null;
  @ApiProperty({
    format: 'date-time',
    description:
      'when the controller read it (re-read every CONTROLLER_LICENSE_SYNC_SECONDS; rewritten on a change, or hourly)',
  })
  readAt!: string;
}

export class WorkerDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() templateName!: string;
  @ApiProperty({ enum: WORKER_STATES }) state!: WorkerState;
  @ApiProperty({
    enum: LICENSE_TYPES,
    description: 'the licence the template declares',
  })
  licenseType!: LicenseType;
  @ApiProperty({
    type: ReportedLicenseDto,
    nullable: true,
    description:
      "the licence the worker's lab engine reports (null until the controller read it, or when its lab runtime cannot say)",
  })
  reportedLicense!: ReportedLicenseDto | null;
  @ApiProperty({ nullable: true, type: String }) amiName!: string | null;
  @ApiProperty() region!: string;
  @ApiProperty({ type: WorkerPortRangeDto }) portRange!: WorkerPortRangeDto;
  @ApiProperty({ nullable: true, type: String }) hostname!: string | null;
  @ApiProperty({ nullable: true, type: String }) providerInstanceId!:
    | string
    | null;
  @ApiProperty() cordoned!: boolean;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true })
  requestedAction!: object | null;
  @ApiProperty({ nullable: true, type: String }) stateReason!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  drainStartedAt!: string | null;
  @ApiProperty() drainTimeoutHours!: number;
  @ApiProperty() startupTimeMinutes!: number;
  @ApiProperty({ type: 'array', items: { type: 'object' } })
  stateHistory!: object[];
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  terminatedAt!: string | null;
  @ApiProperty({ description: 'etcd mod revision of the worker record' })
  resourceVersion!: number;
}

export class WorkerPageDto {
  @ApiProperty({ type: [WorkerDto] }) items!: WorkerDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
  @ApiProperty({
    type: 'integer',
    description:
      'the state-store revision the list was read at: every write acknowledged before the request is in it (pages are keyset-paged by `cursor`, stable while writes continue)',
  })
  resourceVersion!: number;
}

export class WorkerCapacityDto {
  @ApiProperty() workerId!: string;
  @ApiProperty({ type: CapacityDto }) declared!: CapacityDto;
  @ApiProperty({ type: CapacityDto }) allocated!: CapacityDto;
  @ApiProperty({ type: CapacityDto, description: 'declared minus allocated' })
  available!: CapacityDto;
  @ApiProperty({ type: WorkerPortRangeDto }) portRange!: WorkerPortRangeDto;
  @ApiProperty({ description: 'ports of the range no instance holds' })
  availablePorts!: number;
}

export class PortAllocationDto {
  @ApiProperty() instanceId!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { serial_1: 2000 },
  })
  ports!: Record<string, number>;
  @ApiProperty({ format: 'date-time' }) allocatedAt!: string;
}

export function toWorkerDto(view: Pick<WorkerView, 'worker'>): WorkerDto {
  const {
    schemaVersion: _schema,
    generation: _generation,
    ...fields
  }: Worker = view.worker.value;
  return { ...fields, resourceVersion: view.worker.revision };
}

export function toCapacityDto(view: WorkerView): WorkerCapacityDto {
  const { worker, capacity, ports } = view;
  return {
    workerId: worker.value.id,
    declared: capacity.value.declared,
    allocated: capacity.value.allocated,
    available: availableCapacity(capacity.value),
    portRange: worker.value.portRange,
    availablePorts: freePortCount(worker.value.portRange, ports.value),
  };
}

export function toPortAllocations(view: WorkerView): PortAllocationDto[] {
  return Object.values(view.ports.value)
    .map(({ instanceId, ports, allocatedAt }) => ({
      instanceId,
      ports,
      allocatedAt,
    }))
    .sort(
      (a, b) =>
        a.allocatedAt.localeCompare(b.allocatedAt) ||
        a.instanceId.localeCompare(b.instanceId),
    );
}
