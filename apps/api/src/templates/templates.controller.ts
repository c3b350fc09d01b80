import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { createValidationPipe, Roles } from '@lcm/runtime';
import { ApiProblems } from '../http/api-docs';
import { ApiRouteGuards } from '../http/api-route-guards';
import { Page } from '../http/pagination';
import { UuidParam } from '../http/path-params';
import { PERMISSIONS } from '../http/permissions';
import {
  CreateTemplateDto,
  TemplateDto,
  TemplatePageDto,
  TemplateQueryDto,
  toTemplateDto,
  UpdateTemplateDto,
} from './template.dto';
import { TemplatesService } from './templates.service';

@ApiTags('templates')
@ApiRouteGuards()
@Controller('api/v1/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get()
  @Roles(...PERMISSIONS.readFleet)
  @ApiOperation({ summary: 'List worker templates (by name)' })
  @ApiOkResponse({ type: TemplatePageDto })
  @ApiProblems(400)
  async list(
    @Query(createValidationPipe()) query: TemplateQueryDto,
  ): Promise<Page<TemplateDto>> {
    const page = await this.templates.list(query);
    return {
      items: page.items.map(toTemplateDto),
      nextCursor: page.nextCursor,
    };
  }

  @Get(':id')
  @Roles(...PERMISSIONS.readFleet)
  @ApiOkResponse({ type: TemplateDto })
  @ApiProblems(400, 404)
  async get(@UuidParam('id') id: string): Promise<TemplateDto> {
    return toTemplateDto(await this.templates.get(id));
  }

  @Post()
  @Roles(...PERMISSIONS.administerFleet)
  @ApiOperation({ summary: 'Create a worker template (isSeeded: false)' })
  @ApiCreatedResponse({ type: TemplateDto })
  @ApiProblems(400, 409, 415, 422)
  async create(
    @Body(createValidationPipe()) body: CreateTemplateDto,
  ): Promise<TemplateDto> {
    return toTemplateDto(await this.templates.create(body));
  }

  @Put(':id')
  @Roles(...PERMISSIONS.administerFleet)
  @ApiOperation({
    summary: 'Update a worker template',
    description:
      'The given fields replace the stored ones; the merged template is validated whole. The name cannot change. The seeder never overwrites it.',
  })
  @ApiOkResponse({ type: TemplateDto })
  @ApiProblems(400, 404, 409, 415, 422)
  async update(
    @UuidParam('id') id: string,
    @Body(createValidationPipe()) body: UpdateTemplateDto,
  ): Promise<TemplateDto> {
    return toTemplateDto(await this.templates.update(id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles(...PERMISSIONS.administerFleet)
  @ApiOperation({ summary: 'Delete a worker template no worker uses' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiProblems(400, 404, 409)
  async delete(@UuidParam('id') id: string): Promise<void> {
    await this.templates.delete(id);
  }
}
