import { Inject, Injectable } from '@nestjs/common';
import {
  AUDIT_EVENT_REPOSITORY,
  AuditEventRepository,
  CloudEvent,
  Page,
} from '@lcm/doc-store';
import { ValidationError } from '@lcm/domain';
import { ProblemException } from '@lcm/runtime';
import { toAuditEventQuery } from './audit-query';
import { ListAuditEventsQuery } from './list-audit-events.query';

/** Reads the audit trail for the query endpoint. */
@Injectable()
export class AuditEventsService {
  constructor(
    @Inject(AUDIT_EVENT_REPOSITORY)
    private readonly repository: AuditEventRepository,
  ) {}

  async list(request: ListAuditEventsQuery): Promise<Page<CloudEvent>> {
    if (
      request.from !== undefined &&
      request.to !== undefined &&
      Date.parse(request.to) < Date.parse(request.from)
    ) {
      throw badParameter('to', 'to must not be before from');
    }
    try {
      return await this.repository.list(toAuditEventQuery(request));
    } catch (error) {
      // What only the repository can judge (a cursor it did not issue) is still a bad query parameter: 400.
      if (error instanceof ValidationError)
        throw badParameter(error.field, error.message);
      throw error;
    }
  }
}

function badParameter(field: string, message: string): ProblemException {
  return new ProblemException('validation-error', message, {
    errors: [{ field, message }],
  });
}
