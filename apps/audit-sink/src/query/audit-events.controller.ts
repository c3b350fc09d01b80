import { Controller, Get, Query } from '@nestjs/common';
import { CloudEvent, Page } from '@lcm/doc-store';
import { createValidationPipe, Roles } from '@lcm/runtime';
import { AuditEventsService } from './audit-events.service';
import { ListAuditEventsQuery } from './list-audit-events.query';

/** The audit trail, newest first (docs/events.md#audit): every CloudEvent LCM wrote, for people and integrations. */
@Controller('api/v1/audit')
export class AuditEventsController {
  constructor(private readonly audit: AuditEventsService) {}

  @Get('events')
  @Roles('admin', 'manager', 'viewer')
  list(
    @Query(createValidationPipe()) query: ListAuditEventsQuery,
  ): Promise<Page<CloudEvent>> {
    return this.audit.list(query);
  }
}
