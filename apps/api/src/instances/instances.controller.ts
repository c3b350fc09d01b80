import {
  Body,
  Controller,
  Delete,
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
import {
  createValidationPipe,
  CurrentPrincipal,
  Principal,
  Roles,
} from '@lcm/runtime';
import { ApiProblems } from '../http/api-docs';
import { ApiRouteGuards } from '../http/api-route-guards';
import { UuidParam } from '../http/path-params';
import { PERMISSIONS } from '../http/permissions';
import {
  CreateInstanceDto,
  InstanceDto,
  InstancePageDto,
  InstanceQueryDto,
  instanceJson,
  instancePageJson,
  toInstanceDto,
} from './instance.dto';
import { JsonText, sendJson } from '../http/serialized-json';
import { InstancesService, RequestableAction } from './instances.service';

@ApiTags('instances')
@ApiRouteGuards()
@Controller('api/v1/instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Post()
  @Roles(...PERMISSIONS.writeInstances)
  @ApiOperation({
    summary: 'Reserve a lablet: create a pending instance',
    description:
      'Admission (docs/api.md#admission): the definition exists and is not deprecated; `definitionVersion` or the latest non-deprecated version is pinned; timeslotStart < timeslotEnd, the window at most the definition’s maxDurationMinutes and not over; a start at or before now means ASAP; some worker template of this region could host it. Emits `lcm.lablet.instance.pending`.',
  })
  @ApiCreatedResponse({ type: InstanceDto })
  @ApiProblems(400, 413, 415, 422)
  async create(
    @Body(createValidationPipe()) body: CreateInstanceDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InstanceDto> {
    return toInstanceDto(await this.instances.create(body, principal));
  }

  @Get()
  @Roles(...PERMISSIONS.readInstances)
  @ApiOperation({
    summary: 'List instances, newest first (a `user` sees only its own)',
  })
  @ApiOkResponse({ type: InstancePageDto })
  @ApiProblems(400)
  @JsonText()
  async list(
    @Query(createValidationPipe()) query: InstanceQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    sendJson(
      response,
      instancePageJson(await this.instances.list(query, principal)),
    );
  }

  @Get(':id')
  @Roles(...PERMISSIONS.readInstances)
  @ApiOperation({
    summary:
      'Get an instance (with `pendingReason`, the scheduler’s explanation while unplaced)',
  })
  @ApiOkResponse({ type: InstanceDto })
  @ApiProblems(400, 404)
  @JsonText()
  async get(
    @UuidParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    sendJson(response, instanceJson(await this.instances.get(id, principal)));
  }

  @Post(':id/start')
  @HttpCode(202)
  @Roles(...PERMISSIONS.writeInstances)
  @ApiOperation({
    summary:
      'Ask for a stopped instance to run again (the controller carries it out)',
  })
  @ApiAcceptedResponse({ type: InstanceDto })
  @ApiProblems(400, 404, 409)
  start(
    @UuidParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InstanceDto> {
    return this.request(id, 'start', principal);
  }

  @Post(':id/stop')
  @HttpCode(202)
  @Roles(...PERMISSIONS.writeInstances)
  @ApiOperation({
    summary: 'Ask for a running (collecting, grading) instance to stop',
  })
  @ApiAcceptedResponse({ type: InstanceDto })
  @ApiProblems(400, 404, 409)
  stop(
    @UuidParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InstanceDto> {
    return this.request(id, 'stop', principal);
  }

  @Post(':id/collect')
  @HttpCode(202)
  @Roles(...PERMISSIONS.writeInstances)
  @ApiOperation({
    summary: 'Ask for a running instance’s results to be collected',
  })
  @ApiAcceptedResponse({ type: InstanceDto })
  @ApiProblems(400, 404, 409)
  collect(
    @UuidParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InstanceDto> {
    return this.request(id, 'collect', principal);
  }

  @Delete(':id')
  @HttpCode(202)
  @Roles(...PERMISSIONS.writeInstances)
  @ApiOperation({
    summary: 'Terminate an instance',
    description:
      'A pending instance is terminated at once. In any other live state the answer is 202 with `requestedAction.action = delete` and the controller ends it: ' +
      'scheduled and instantiating ones at once, running and collecting ones through stopping, and one in grading after waiting at most DELETE_GRACE_SECONDS (controller setting, default 60) for its result, then forced to terminated (reason `delete_grace_expired`). ' +
      'A terminated instance is refused with 409 (invalid-transition, naming its state).',
  })
  @ApiAcceptedResponse({ type: InstanceDto })
  @ApiProblems(400, 404, 409)
  async delete(
    @UuidParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InstanceDto> {
    return toInstanceDto(await this.instances.delete(id, principal));
  }

  private async request(
    id: string,
    action: RequestableAction,
    principal: Principal,
  ): Promise<InstanceDto> {
    return toInstanceDto(await this.instances.request(id, action, principal));
  }
}
