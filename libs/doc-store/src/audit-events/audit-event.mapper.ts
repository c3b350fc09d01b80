import type { CloudEvent } from './audit-event.entity';
import type { AuditRecord } from './audit-event.repository';
import type { AuditEventDocument } from './audit-event.schema';

/** The one place audit events are translated between the stored document and the CloudEvent. */

export function toAuditDocument(record: AuditRecord): AuditEventDocument {
  const { data, ...attributes } = record.event;
  const doc: AuditEventDocument = {
    ...attributes,
    timeAt: new Date(record.timeAt),
    recordedAt: new Date(record.recordedAt),
    commitRevision: record.commitRevision,
    commitPosition: record.commitPosition,
  };
  if (data !== undefined) {
    if (needsJsonText(data)) doc.dataJson = JSON.stringify(data);
    else doc.data = data;
  }
  return doc;
}

export function fromAuditDocument(
  doc: AuditEventDocument & { _id?: unknown },
): CloudEvent {
  const {
    _id,
    timeAt: _timeAt,
    recordedAt: _recordedAt,
    commitRevision: _revision,
    commitPosition: _position,
    dataJson,
    data,
    ...attributes
  } = doc;
  const event = attributes as CloudEvent;
  if (dataJson !== undefined && dataJson !== null)
    event.data = JSON.parse(dataJson) as unknown;
  else if (data !== undefined) event.data = data;
  return event;
}

/**
 * JSON that MongoDB-compatible servers refuse or change as a document: keys that are empty, start
 * with `$` or contain `.` or NUL, and (FerretDB 1.x) arrays directly inside arrays.
 */
export function needsJsonText(value: unknown): boolean {
  if (Array.isArray(value))
    return value.some((item) => Array.isArray(item) || needsJsonText(item));
  if (typeof value !== 'object' || value === null) return false;
  for (const [key, item] of Object.entries(value)) {
    if (
      key === '' ||
      key.startsWith('$') ||
      key.includes('.') ||
      key.includes('\0')
    )
      return true;
    if (needsJsonText(item)) return true;
  }
  return false;
}

/** The stored document as the record the drivers sort and page by (the event and its sort fields). */
export function fromAuditDocumentRecord(
  doc: AuditEventDocument & { _id?: unknown },
): AuditRecord {
  return {
    event: fromAuditDocument(doc),
    timeAt: doc.timeAt.toISOString(),
    recordedAt: doc.recordedAt.toISOString(),
    commitRevision: doc.commitRevision ?? 0,
    commitPosition: doc.commitPosition ?? 0,
  };
}
