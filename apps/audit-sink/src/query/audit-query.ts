import { AuditEventQuery } from '@lcm/doc-store';
import { ListAuditEventsQuery } from './list-audit-events.query';

/**
 * The repository query for a request: `type` ending in `*` or `.` is a prefix (`lcm.lablet.instance.*`
 * and `lcm.lablet.instance.` both mean every instance event), otherwise an exact type.
 */
export function toAuditEventQuery(
  request: ListAuditEventsQuery,
): AuditEventQuery {
  const query: AuditEventQuery = {};
  if (request.type !== undefined) {
    if (request.type.endsWith('*'))
      query.typePrefix = request.type.slice(0, -1);
    else if (request.type.endsWith('.')) query.typePrefix = request.type;
    else query.type = request.type;
  }
  if (request.subject !== undefined) query.subject = request.subject;
  if (request.source !== undefined) query.source = request.source;
  if (request.from !== undefined) query.from = request.from;
  if (request.to !== undefined) query.to = request.to;
  if (request.limit !== undefined) query.limit = request.limit;
  if (request.cursor !== undefined) query.cursor = request.cursor;
  return query;
}
