import { firstAfter } from '../memory/memory-page';
import {
  decodeCursor,
  encodeCursor,
  type Page,
  type SortValue,
} from '../pagination/page';
import type {
  AuditEventFilter,
  CloudEvent,
  InsertManyResult,
} from './audit-event.entity';
import {
  AUDIT_ORDER,
  AuditEventRepositoryBase,
  auditSortKey,
  matchesAuditFilter,
  type AuditRecord,
  type AuditRepositoryOptions,
} from './audit-event.repository';

interface Entry {
  key: SortValue[];
  record: AuditRecord;
}

/**
 * The memory driver: events kept sorted in list order (newest first), a set of (source, id) for
 * idempotency. Expiry happens in purgeExpired (MemoryDocStore calls it periodically, like a TTL monitor).
 */
export class MemoryAuditEventRepository extends AuditEventRepositoryBase {
  private entries: Entry[] = [];
  private readonly ids = new Set<string>();

  constructor(options: AuditRepositoryOptions = {}) {
    super(options);
  }

  protected async insertRecords(
    records: AuditRecord[],
  ): Promise<InsertManyResult> {
    let inserted = 0;
    for (const record of records)
      if (this.add(structuredClone(record))) inserted++;
    return { inserted, duplicates: records.length - inserted };
  }

  protected async findPage(
    filter: AuditEventFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<CloudEvent>> {
    const start =
      cursor === null
        ? 0
        : firstAfter(
            this.entries,
            AUDIT_ORDER,
            decodeCursor(cursor, AUDIT_ORDER),
          );
    const found: Entry[] = [];
    for (let i = start; i < this.entries.length && found.length <= limit; i++) {
      if (matchesAuditFilter(this.entries[i].record, filter))
        found.push(this.entries[i]);
    }
    const items = found.slice(0, limit);
    return {
      items: items.map((entry) => structuredClone(entry.record.event)),
      nextCursor:
        found.length > limit ? encodeCursor(items[items.length - 1].key) : null,
    };
  }

  protected async countMatching(filter: AuditEventFilter): Promise<number> {
    return this.entries.reduce(
      (n, entry) => (matchesAuditFilter(entry.record, filter) ? n + 1 : n),
      0,
    );
  }

  protected async removeRecordedBefore(cutoff: Date): Promise<number> {
    const limit = cutoff.getTime();
    const kept = this.entries.filter(
      (entry) => Date.parse(entry.record.recordedAt) >= limit,
    );
    const removed = this.entries.length - kept.length;
    if (removed === 0) return 0;
    for (const entry of this.entries)
      if (Date.parse(entry.record.recordedAt) < limit)
        this.ids.delete(identity(entry.record.event));
    this.entries = kept;
    return removed;
  }

  /** False for a duplicate (source, id). */
  private add(record: AuditRecord): boolean {
    const id = identity(record.event);
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    const key = auditSortKey(record);
    this.entries.splice(firstAfter(this.entries, AUDIT_ORDER, key), 0, {
      key,
      record,
    });
    return true;
  }
}

function identity(event: CloudEvent): string {
  return JSON.stringify([event.source, event.id]);
}
