import { Schema } from 'mongoose';
import { AUDIT_EVENTS_COLLECTION } from '../collections';

export const AUDIT_EVENT_MODEL = 'AuditEvent';

/**
 * How an audit event is stored: the CloudEvent's attributes and extensions at the top level (its
 * structured form), plus `timeAt` (the event time as a BSON date, for order and ranges) and
 * `recordedAt` (when it was stored, for the TTL). `data` a MongoDB-compatible server would refuse
 * (keys `$…`, dotted or empty; FerretDB: nested arrays) is kept as JSON text in `dataJson` instead.
 */
export interface AuditEventDocument {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  data_base64?: string;
  dataJson?: string;
  timeAt: Date;
  recordedAt: Date;
  /** AuditCommit: the list order (AUDIT_ORDER). Absent on documents stored before it existed (read as 0). */
  commitRevision?: number;
  commitPosition?: number;
  [extension: string]: unknown;
}

/** The TTL index's name, found again by ensureIndexes when the retention changes. */
export const AUDIT_RETENTION_INDEX = 'audit_retention_ttl';

/** Built per connection because the retention (the TTL) is configuration. */
export function createAuditEventSchema(
  retentionDays: number,
): Schema<AuditEventDocument> {
  const schema = new Schema<AuditEventDocument>(
    {
      specversion: { type: String, required: true },
      id: { type: String, required: true },
      source: { type: String, required: true },
      type: { type: String, required: true },
      subject: String,
      time: { type: String, required: true },
      datacontenttype: String,
      dataschema: String,
      data: Schema.Types.Mixed,
      data_base64: String,
      dataJson: String,
      timeAt: { type: Date, required: true },
      recordedAt: { type: Date, required: true },
      commitRevision: { type: Number, default: 0 },
      commitPosition: { type: Number, default: 0 },
    },
    {
      collection: AUDIT_EVENTS_COLLECTION,
      versionKey: false,
      minimize: false,
      // Extension attributes are open-ended.
      strict: false,
      autoIndex: false,
      autoCreate: false,
    },
  );
  // Idempotency: a re-delivered event (same source and id) is refused by this index.
  schema.index(
    { source: 1, id: 1 },
    { unique: true, name: 'audit_source_id_unique' },
  );
  // The list order (AUDIT_ORDER: commit order, newest first, stable), the two usual filters in that
  // order, and the time range filter.
  schema.index(
    { commitRevision: -1, commitPosition: -1, timeAt: -1, source: -1, id: -1 },
    { name: 'audit_commit_order' },
  );
  schema.index(
    { type: 1, commitRevision: -1, commitPosition: -1 },
    { name: 'audit_type_commit' },
  );
  schema.index(
    { subject: 1, commitRevision: -1, commitPosition: -1 },
    { name: 'audit_subject_commit' },
  );
  schema.index({ timeAt: -1 }, { name: 'audit_time_at' });
  schema.index(
    { recordedAt: 1 },
    {
      name: AUDIT_RETENTION_INDEX,
      expireAfterSeconds: Math.round(retentionDays * 86_400),
    },
  );
  return schema;
}
