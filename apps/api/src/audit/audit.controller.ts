import { errorMessage } from '@lcm/domain';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ProblemException, Roles } from '@lcm/runtime';
import type { Request, Response } from 'express';
import { API_CONFIG } from '../app/api-config.token';
import type { ApiConfig } from '../config';
import { ApiProblems } from '../http/api-docs';
import { ApiRouteGuards } from '../http/api-route-guards';
import { PERMISSIONS } from '../http/permissions';

class AuditEventDto {
  @ApiProperty() specversion!: string;
  @ApiProperty() id!: string;
  @ApiProperty() source!: string;
  @ApiProperty() type!: string;
  @ApiPropertyOptional() subject?: string;
  @ApiProperty({ format: 'date-time' }) time!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  data?: object;
}

class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items!: AuditEventDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

/** How long the audit-sink may take to answer one page. */
const AUDIT_TIMEOUT_MS = 10_000;

/**
 * The audit trail through the api, so that browsers and lcmctl need one address and one CORS
 * setting: the query goes unchanged to the audit-sink (AUDIT_SINK_URL), which owns the trail,
 * validates the query and checks the same bearer token; its answer comes back as it is.
 */
@ApiTags('audit')
@ApiRouteGuards()
@Controller('api/v1/audit')
export class AuditController {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  @Get('events')
  @Roles(...PERMISSIONS.readAudit)
  @ApiOperation({
    summary:
      'Search the audit trail, newest first (answered by the audit-sink)',
    description:
      '`type` is an exact CloudEvent type, or a prefix when it ends with `.` or `*`. 503 when AUDIT_SINK_URL is not set or the audit-sink does not answer.',
  })
  @ApiQuery({ name: 'type', required: false })
  @ApiQuery({ name: 'subject', required: false })
  @ApiQuery({ name: 'source', required: false })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'ISO-8601 time with a zone, inclusive',
  })
  @ApiQuery({
    name: 'to',
    required: false,
    description: 'ISO-8601 time with a zone, exclusive',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500 },
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiProblems(400, 503)
  async events(
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const base = this.config.auditSinkUrl;
    if (base === undefined)
      throw new ProblemException(
        'unavailable',
        'audit search is not configured on this api (AUDIT_SINK_URL)',
      );
    const query = request.originalUrl.includes('?')
      ? request.originalUrl.slice(request.originalUrl.indexOf('?'))
      : '';
    let answer: globalThis.Response;
    try {
      answer = await fetch(`${base}/api/v1/audit/events${query}`, {
        headers: { authorization: request.headers.authorization ?? '' },
        signal: AbortSignal.timeout(AUDIT_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ProblemException(
        'unavailable',
        `the audit-sink at ${base} does not answer (${errorMessage(error)})`,
      );
    }
    response
      .status(answer.status)
      .type(answer.headers.get('content-type') ?? 'application/json')
      .send(await answer.text());
  }
}
