import type { Model } from 'mongoose';
import type { MongoBulkWriteError } from 'mongodb';
import {
  DUPLICATE_KEY,
  mongoCall,
  translateMongoError,
} from '../mongo/mongo-errors';
import { findPage } from '../mongo/mongo-page';
import type { Page } from '../pagination/page';
import type {
  AuditEventFilter,
  CloudEvent,
  InsertManyResult,
} from './audit-event.entity';
import { fromAuditDocumentRecord, toAuditDocument } from './audit-event.mapper';
import {
  AUDIT_ORDER,
  AuditEventRepositoryBase,
  auditSortKey,
  type AuditRecord,
  type AuditRepositoryOptions,
} from './audit-event.repository';
import type { AuditEventDocument } from './audit-event.schema';

/** The mongo driver: `audit_events`, unique on (source, id), TTL on `recordedAt`. */
export class MongoAuditEventRepository extends AuditEventRepositoryBase {
  constructor(
    private readonly model: Model<AuditEventDocument>,
    options?: AuditRepositoryOptions,
  ) {
    super(options);
  }

  /**
   * One unordered bulk insert: every new event is written even when others in the batch are
   * duplicates. Duplicate-key errors (11000) are the re-deliveries and are counted; any other
   * write error fails the call. Goes to the driver's collection: documents are already validated
   * and mapped, and mongoose's per-document casting would only cost time on the audit hot path.
   */
  protected async insertRecords(
    records: AuditRecord[],
  ): Promise<InsertManyResult> {
    const docs = records.map(toAuditDocument);
    try {
      const result = await this.model.collection.insertMany(docs, {
        ordered: false,
      });
      return { inserted: result.insertedCount, duplicates: 0 };
    } catch (error) {
      const bulk = error as Partial<MongoBulkWriteError>;
      const writeErrors =
        bulk.writeErrors === undefined
          ? []
          : Array.isArray(bulk.writeErrors)
            ? bulk.writeErrors
            : [bulk.writeErrors];
      if (
        writeErrors.length === 0 ||
        writeErrors.some((w) => w.code !== DUPLICATE_KEY) ||
        bulk.writeConcernError
      ) {
        throw translateMongoError(error);
      }
      const inserted =
        bulk.insertedCount ??
        bulk.result?.insertedCount ??
        docs.length - writeErrors.length;
      return { inserted, duplicates: writeErrors.length };
    }
  }

  protected async findPage(
    filter: AuditEventFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<CloudEvent>> {
    const page = await findPage<AuditEventDocument, AuditRecord>({
      model: this.model,
      filter: auditQuery(filter),
      order: AUDIT_ORDER,
      limit,
      cursor,
      sortKey: auditSortKey,
      map: fromAuditDocumentRecord,
    });
    return {
      items: page.items.map((record) => record.event),
      nextCursor: page.nextCursor,
    };
  }

  protected countMatching(filter: AuditEventFilter): Promise<number> {
    return mongoCall(() =>
      this.model.countDocuments(auditQuery(filter)).exec(),
    );
  }

  protected async removeRecordedBefore(cutoff: Date): Promise<number> {
    const result = await mongoCall(() =>
      this.model.collection.deleteMany({ recordedAt: { $lt: cutoff } }),
    );
    return result.deletedCount;
  }
}

function auditQuery(filter: AuditEventFilter): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  if (filter.type !== undefined || filter.typePrefix !== undefined) {
    query['type'] = {
      ...(filter.type !== undefined && { $eq: filter.type }),
      // An anchored prefix regex can use the (type, timeAt) index.
      ...(filter.typePrefix !== undefined && {
        $regex: `^${escapeRegex(filter.typePrefix)}`,
      }),
    };
  }
  if (filter.subject !== undefined) query['subject'] = filter.subject;
  if (filter.source !== undefined) query['source'] = filter.source;
  if (filter.from !== undefined || filter.to !== undefined) {
    query['timeAt'] = {
      ...(filter.from !== undefined && { $gte: new Date(filter.from) }),
      ...(filter.to !== undefined && { $lt: new Date(filter.to) }),
    };
  }
  return query;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
