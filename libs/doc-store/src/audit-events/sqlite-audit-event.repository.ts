import type { SqliteDatabase } from '@lcm/state-store';
import { AUDIT_EVENTS_COLLECTION } from '../collections';
import type { Page } from '../pagination/page';
import {
  allOf,
  prefixCondition,
  SqliteCollection,
} from '../sqlite/sqlite-collection';
import type {
  AuditEventFilter,
  CloudEvent,
  InsertManyResult,
} from './audit-event.entity';
import {
  AUDIT_ORDER,
  AuditEventRepositoryBase,
  auditSortKey,
  type AuditRecord,
  type AuditRepositoryOptions,
} from './audit-event.repository';

/**
 * The sqlite driver: `audit_events`, unique on (source, id), listed in AUDIT_ORDER through typed
 * sort columns (numbers compare as numbers, never as text). A batch is inserted in one transaction:
 * all of its new events or none.
 */
export class SqliteAuditEventRepository extends AuditEventRepositoryBase {
  private readonly collection: SqliteCollection<AuditRecord>;

  constructor(db: SqliteDatabase, options?: AuditRepositoryOptions) {
    super(options);
    this.collection = new SqliteCollection<AuditRecord>(db, {
      kind: 'auditEvent',
      table: AUDIT_EVENTS_COLLECTION,
      order: AUDIT_ORDER,
      sortKey: (record) => auditSortKey(record),
      id: (record) => JSON.stringify([record.event.source, record.event.id]),
      columns: {
        type: (r) => r.event.type,
        subject: (r) => r.event.subject ?? null,
        source: (r) => r.event.source,
        time_at: (r) => r.timeAt,
        recorded_at: (r) => r.recordedAt,
      },
      unique: [],
      indexes: [
        { name: 'type_time', columns: ['type', 'time_at'] },
        { name: 'subject', columns: ['subject'] },
        { name: 'recorded_at', columns: ['recorded_at'] },
      ],
    });
  }

  protected async insertRecords(
    records: AuditRecord[],
  ): Promise<InsertManyResult> {
    const inserted = this.collection.db.transaction(() =>
      records.reduce(
        (n, record) => (this.collection.insertIfAbsent(record) ? n + 1 : n),
        0,
      ),
    )();
    return { inserted, duplicates: records.length - inserted };
  }

  protected async findPage(
    filter: AuditEventFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<CloudEvent>> {
    return this.collection.page(
      auditCondition(filter),
      limit,
      cursor,
      (record) => record.event,
    );
  }

  protected async countMatching(filter: AuditEventFilter): Promise<number> {
    return this.collection.count(auditCondition(filter));
  }

  protected async removeRecordedBefore(cutoff: Date): Promise<number> {
    return this.collection.delete({
      sql: 'recorded_at < ?',
      params: [cutoff.toISOString()],
    });
  }
}

function auditCondition(filter: AuditEventFilter) {
  return allOf([
    filter.type === undefined
      ? undefined
      : { sql: 'type = ?', params: [filter.type] },
    filter.typePrefix === undefined
      ? undefined
      : prefixCondition('type', filter.typePrefix),
    filter.subject === undefined
      ? undefined
      : { sql: 'subject = ?', params: [filter.subject] },
    filter.source === undefined
      ? undefined
      : { sql: 'source = ?', params: [filter.source] },
    filter.from === undefined
      ? undefined
      : { sql: 'time_at >= ?', params: [new Date(filter.from).toISOString()] },
    filter.to === undefined
      ? undefined
      : { sql: 'time_at < ?', params: [new Date(filter.to).toISOString()] },
  ]);
}
