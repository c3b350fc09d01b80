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
import {
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
import type { Response } from 'express';
import { ApiProblems } from '../http/api-docs';
import { ApiRouteGuards } from '../http/api-route-guards';
import { Page } from '../http/pagination';
import { SemverParam, UuidParam } from '../http/path-params';
import { PERMISSIONS } from '../http/permissions';
import {
  DefinitionDto,
  DefinitionPageDto,
  DefinitionQueryDto,
  RegisterDefinitionDto,
  toDefinitionDto,
  VersionsQueryDto,
} from './definition.dto';
import { DefinitionsService } from './definitions.service';

@ApiTags('definitions')
@ApiRouteGuards()
@Controller('api/v1/definitions')
export class DefinitionsController {
  constructor(private readonly definitions: DefinitionsService) {}

  @Post()
  @Roles(...PERMISSIONS.writeDefinitions)
  @ApiOperation({
    summary: 'Register a definition version',
    description:
      'A new name: 1.0.0 (or `version`). A changed YAML under a known name: the next patch version (or `version`); 201 and `…definition.created` / `…definition.version.created`. An unchanged YAML: 200 with the latest version, no event.',
  })
  @ApiCreatedResponse({
    type: DefinitionDto,
    description: 'a new version was created',
  })
  @ApiOkResponse({
    type: DefinitionDto,
    description: 'the YAML is unchanged: the existing latest version',
  })
  @ApiProblems(400, 409, 413, 415, 422)
  async register(
    @Body(createValidationPipe()) body: RegisterDefinitionDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DefinitionDto> {
    const { definition, created } = await this.definitions.register(
      body,
      principal,
    );
    response.status(created ? 201 : 200);
    return toDefinitionDto(definition);
  }

  @Get()
  @Roles(...PERMISSIONS.readDefinitions)
  @ApiOperation({
    summary:
      'List definition versions (name A-Z, newest version first; no labYaml)',
  })
  @ApiOkResponse({ type: DefinitionPageDto })
  @ApiProblems(400)
  async list(
    @Query(createValidationPipe()) query: DefinitionQueryDto,
  ): Promise<Page<DefinitionDto>> {
    const page = await this.definitions.list(query);
    return {
      items: page.items.map(toDefinitionDto),
      nextCursor: page.nextCursor,
    };
  }

  @Get(':id')
  @Roles(...PERMISSIONS.readDefinitions)
  @ApiOperation({ summary: 'Get one definition version (with its lab YAML)' })
  @ApiOkResponse({ type: DefinitionDto })
  @ApiProblems(400, 404)
  async get(@UuidParam('id') id: string): Promise<DefinitionDto> {
    return toDefinitionDto(await this.definitions.get(id));
  }

  @Get(':id/versions')
  @Roles(...PERMISSIONS.readDefinitions)
  @ApiOperation({ summary: 'List every version of this definition’s name' })
  @ApiOkResponse({ type: DefinitionPageDto })
  @ApiProblems(400, 404)
  async versions(
    @UuidParam('id') id: string,
    @Query(createValidationPipe()) query: VersionsQueryDto,
  ): Promise<Page<DefinitionDto>> {
    const page = await this.definitions.versions(id, query);
    return {
      items: page.items.map(toDefinitionDto),
      nextCursor: page.nextCursor,
    };
  }

  @Get(':id/versions/:version')
  @Roles(...PERMISSIONS.readDefinitions)
  @ApiOperation({ summary: 'Get a version of this definition’s name' })
  @ApiOkResponse({ type: DefinitionDto })
  @ApiProblems(400, 404)
  async version(
    @UuidParam('id') id: string,
    @SemverParam('version') version: string,
  ): Promise<DefinitionDto> {
    return toDefinitionDto(await this.definitions.version(id, version));
  }

  @Delete(':id')
  @HttpCode(200)
  @Roles(...PERMISSIONS.writeDefinitions)
  @ApiOperation({
    summary: 'Deprecate (soft delete) a definition version',
    description:
      'No new instances are admitted for it; emits `…definition.deprecated` once.',
  })
  @ApiOkResponse({ type: DefinitionDto })
  @ApiProblems(400, 404)
  async deprecate(
    @UuidParam('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DefinitionDto> {
    return toDefinitionDto(await this.definitions.deprecate(id, principal));
  }
}
