import {
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { WorkerAction } from '@lcm/domain';
import {
  createValidationPipe,
  CurrentPrincipal,
  Principal,
  Roles,
} from '@lcm/runtime';
import { ApiProblems } from '../http/api-docs';
import { ApiRouteGuards } from '../http/api-route-guards';
import { PageQueryDto } from '../http/pagination';
import { WorkerIdParam } from '../http/path-params';
import { PERMISSIONS } from '../http/permissions';
import { InstancePageDto, instancePageJson } from '../instances/instance.dto';
import { JsonText, sendJson } from '../http/serialized-json';
import { InstancesService } from '../instances/instances.service';
import {
  CreateWorkerDto,
  PortAllocationDto,
  toCapacityDto,
  toPortAllocations,
  toWorkerDto,
  WorkerCapacityDto,
  WorkerDto,
  WorkerPageDto,
  WorkerQueryDto,
} from './worker.dto';
import { WorkersService } from './workers.service';

@ApiTags('workers')
@ApiRouteGuards()
@Controller('api/v1/workers')
export class WorkersController {
  constructor(
    private readonly workers: WorkersService,
    private readonly instances: InstancesService,
  ) {}

  @Get()
  @Roles(...PERMISSIONS.readFleet)
  @ApiOperation({ summary: 'List workers (oldest first)' })
  @ApiOkResponse({ type: WorkerPageDto })
  @ApiProblems(400)
  async list(
    @Query(createValidationPipe()) query: WorkerQueryDto,
  ): Promise<WorkerPageDto> {
    const page = await this.workers.list(query);
    return {
      items: page.items.map(toWorkerDto),
      nextCursor: page.nextCursor,
      resourceVersion: page.resourceVersion ?? 0,
    };
  }

  @Post()
  @Roles(...PERMISSIONS.administerFleet)
  @ApiOperation({
    summary:
      'Create a pending worker from a template (the controller provisions it)',
    description: 'Emits `lcm.worker.pending` and `lcm.scaling.up.requested`.',
  })
  @ApiCreatedResponse({ type: WorkerDto })
  @ApiProblems(400, 415, 422)
  async create(
    @Body(createValidationPipe()) body: CreateWorkerDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkerDto> {
    return toWorkerDto(await this.workers.create(body, principal));
  }

  @Get(':id')
  @Roles(...PERMISSIONS.readFleet)
  @ApiOkResponse({ type: WorkerDto })
  @ApiProblems(400, 404)
  async get(@WorkerIdParam('id') id: string): Promise<WorkerDto> {
    return toWorkerDto(await this.workers.get(id));
  }

  @Get(':id/capacity')
  @Roles(...PERMISSIONS.readFleet)
  @ApiOperation({
    summary: 'Declared, allocated and available capacity, and free ports',
  })
  @ApiOkResponse({ type: WorkerCapacityDto })
  @ApiProblems(400, 404)
  async capacity(@WorkerIdParam('id') id: string): Promise<WorkerCapacityDto> {
    return toCapacityDto(await this.workers.get(id));
  }

  @Get(':id/instances')
  @Roles(...PERMISSIONS.readFleet)
  @ApiOperation({ summary: 'Instances placed on the worker' })
  @ApiOkResponse({ type: InstancePageDto })
  @ApiProblems(400, 404)
  @JsonText()
  async instancesOn(
    @WorkerIdParam('id') id: string,
    @Query(createValidationPipe()) query: PageQueryDto,
    @Res() response: Response,
  ): Promise<void> {
    await this.workers.get(id);
    sendJson(
      response,
      instancePageJson(await this.instances.onWorker(id, query)),
    );
  }

  @Get(':id/ports')
  @Roles(...PERMISSIONS.readFleet)
  @ApiOperation({ summary: 'Port allocations on the worker' })
  @ApiOkResponse({ type: [PortAllocationDto] })
  @ApiProblems(400, 404)
  async ports(@WorkerIdParam('id') id: string): Promise<PortAllocationDto[]> {
    return toPortAllocations(await this.workers.get(id));
  }

  @Post(':id/drain')
  @HttpCode(202)
  @Roles(...PERMISSIONS.administerFleet)
  @ApiOperation({ summary: 'Ask for a running worker to drain' })
  @ApiAcceptedResponse({ type: WorkerDto })
  @ApiProblems(400, 404, 409)
  drain(
    @WorkerIdParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkerDto> {
    return this.request(id, 'drain', principal);
  }

  @Post(':id/cancel-drain')
  @HttpCode(202)
  @Roles(...PERMISSIONS.administerFleet)
  @ApiOperation({ summary: 'Ask for a draining worker to run again' })
  @ApiAcceptedResponse({ type: WorkerDto })
  @ApiProblems(400, 404, 409)
  cancelDrain(
    @WorkerIdParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkerDto> {
    return this.request(id, 'cancel_drain', principal);
  }

  @Post(':id/stop')
  @HttpCode(202)
  @Roles(...PERMISSIONS.administerFleet)
  @ApiOperation({ summary: 'Ask for a running or draining worker to stop' })
  @ApiAcceptedResponse({ type: WorkerDto })
  @ApiProblems(400, 404, 409)
  stop(
    @WorkerIdParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkerDto> {
    return this.request(id, 'stop', principal);
  }

  @Post(':id/start')
  @HttpCode(202)
  @Roles(...PERMISSIONS.administerFleet)
  @ApiOperation({ summary: 'Ask for a stopped worker to start' })
  @ApiAcceptedResponse({ type: WorkerDto })
  @ApiProblems(400, 404, 409)
  start(
    @WorkerIdParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkerDto> {
    return this.request(id, 'start', principal);
  }

  @Post(':id/terminate')
  @HttpCode(202)
  @Roles(...PERMISSIONS.administerFleet)
  @ApiOperation({ summary: 'Ask for a worker to be terminated' })
  @ApiAcceptedResponse({ type: WorkerDto })
  @ApiProblems(400, 404, 409)
  terminate(
    @WorkerIdParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkerDto> {
    return this.request(id, 'terminate', principal);
  }

  @Post(':id/cordon')
  @HttpCode(200)
  @Roles(...PERMISSIONS.administerFleet)
  @ApiOperation({
    summary: 'Cordon: the worker keeps its instances and takes no new ones',
  })
  @ApiOkResponse({ type: WorkerDto })
  @ApiProblems(400, 404)
  async cordon(
    @WorkerIdParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkerDto> {
    return toWorkerDto(await this.workers.setCordoned(id, true, principal));
  }

  @Post(':id/uncordon')
  @HttpCode(200)
  @Roles(...PERMISSIONS.administerFleet)
  @ApiOperation({ summary: 'Uncordon: the worker takes new instances again' })
  @ApiOkResponse({ type: WorkerDto })
  @ApiProblems(400, 404)
  async uncordon(
    @WorkerIdParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WorkerDto> {
    return toWorkerDto(await this.workers.setCordoned(id, false, principal));
  }

  private async request(
    id: string,
    action: WorkerAction,
    principal: Principal,
  ): Promise<WorkerDto> {
    return toWorkerDto(await this.workers.request(id, action, principal));
  }
}
