import type { Page, SortOrder, SortValue } from '../pagination/page';
import { readPageRequest } from '../pagination/page-request';
import {
  resolveRepositoryOptions,
  type RepositoryOptions,
  type ResolvedRepositoryOptions,
} from '../repository-options';
import { isoNow, requireObject, ValidationError } from '@lcm/domain';
import {
  DEFAULT_AUDIT_RETENTION_DAYS,
  type AuditEventFilter,
  type AuditCommit,
  type AuditEventQuery,
  type CloudEvent,
  type InsertManyResult,
} from './audit-event.entity';
import {
  validateAuditFilter,
  validateCloudEvents,
} from './audit-event.validation';

/** The port: the audit trail of every CloudEvent, stored once per (source, id). */
export interface AuditEventRepository {
  /**
   * Stores the events; an event whose (source, id) is already stored is a re-delivery and is
   * skipped, so a consumer may safely retry a batch. ValidationError (nothing stored) on a bad event.
   * `commits[i]` is where `events[i]` was committed (see AuditCommit); without it, revision 0.
   */
  insertMany(
    events: readonly CloudEvent[],
    commits?: readonly AuditCommit[],
  ): Promise<InsertManyResult>;
  /** Newest first in commit order: see AUDIT_ORDER. */
  list(query?: AuditEventQuery): Promise<Page<CloudEvent>>;
  count(filter?: AuditEventFilter): Promise<number>;
  /**
   * Removes events recorded longer ago than the retention. MongoDB's TTL index does this by itself;
   * call it where TTL indexes are missing (FerretDB, the memory driver). Returns how many went.
   */
  purgeExpired(): Promise<number>;
}

export interface AuditRepositoryOptions extends RepositoryOptions {
  /** Days an event is kept after it was recorded; default 365. */
  retentionDays?: number;
}

/** An event as both drivers keep it: plus its instant (for order and ranges) and when it was recorded (for retention). */
export interface AuditRecord {
  event: CloudEvent;
  /** `event.time` as an ISO instant with millisecond precision. */
  timeAt: string;
  recordedAt: string;
  /** AuditCommit.revision (0 when unknown). */
  commitRevision: number;
  /** AuditCommit.position (0 when unknown). */
  commitPosition: number;
}

/**
 * The one ordering rule of the audit trail, for every driver: newest first in commit order (the
 * revision, then the position within it, compared as numbers: never the event ids as strings, where
 * `i:10:0` sorts before `i:7:0`); events without a commit (revision 0) by time; source and id make
 * the key unique. `field` names are the stored fields (camelCase, so no CloudEvents extension
 * attribute, which is lower-case, can collide with them). A driver sorts by these fields in this
 * order and builds its cursors from auditSortKey.
 */
export const AUDIT_ORDER: SortOrder = [
  { field: 'commitRevision', direction: -1, type: 'number' },
  { field: 'commitPosition', direction: -1, type: 'number' },
  { field: 'timeAt', direction: -1, type: 'date' },
  { field: 'source', direction: -1, type: 'string' },
  { field: 'id', direction: -1, type: 'string' },
];

export function auditSortKey(
  record: Pick<AuditRecord, 'event' | 'commitRevision' | 'commitPosition'>,
): SortValue[] {
  return [
    record.commitRevision,
    record.commitPosition,
    new Date(record.event.time).toISOString(),
    record.event.source,
    record.event.id,
  ];
}

/** Checks the commits given to insertMany: one per event, non-negative integers. */
export function validateAuditCommits(
  commits: readonly AuditCommit[] | undefined,
  count: number,
): AuditCommit[] {
  if (commits === undefined)
    return Array.from({ length: count }, () => ({ revision: 0, position: 0 }));
  if (!Array.isArray(commits) || commits.length !== count) {
    throw new ValidationError(
      'commits',
      `must hold one commit per event (${count}), got ${Array.isArray(commits) ? commits.length : typeof commits}`,
    );
  }
  return commits.map((commit, i) => {
    for (const name of ['revision', 'position'] as const) {
      const value: unknown = (
        commit as unknown as Record<string, unknown> | null
      )?.[name];
      if (
        typeof value !== 'number' ||
        !Number.isSafeInteger(value) ||
        value < 0
      ) {
        throw new ValidationError(
          `commits[${i}].${name}`,
          `must be a non-negative integer, got ${String(value)}`,
        );
      }
    }
    return { revision: commit.revision, position: commit.position };
  });
}

export function resolveRetentionDays(days: number | undefined): number {
  const value = days ?? DEFAULT_AUDIT_RETENTION_DAYS;
  if (!Number.isFinite(value) || value <= 0)
    throw new ValidationError(
      'retentionDays',
      `must be a positive number of days, got ${String(days)}`,
    );
  return value;
}

/** What both drivers share: validation, record building, query checks and the retention cut-off. */
export abstract class AuditEventRepositoryBase implements AuditEventRepository {
  protected readonly options: ResolvedRepositoryOptions;
  readonly retentionDays: number;

  protected constructor(options: AuditRepositoryOptions = {}) {
    this.options = resolveRepositoryOptions(options);
    this.retentionDays = resolveRetentionDays(options.retentionDays);
  }

  protected abstract insertRecords(
    records: AuditRecord[],
  ): Promise<InsertManyResult>;
  protected abstract findPage(
    filter: AuditEventFilter,
    limit: number,
    cursor: string | null,
  ): Promise<Page<CloudEvent>>;
  protected abstract countMatching(filter: AuditEventFilter): Promise<number>;
  protected abstract removeRecordedBefore(cutoff: Date): Promise<number>;

  async insertMany(
    events: readonly CloudEvent[],
    commits?: readonly AuditCommit[],
  ): Promise<InsertManyResult> {
    const valid = validateCloudEvents(events);
    const places = validateAuditCommits(commits, valid.length);
    if (valid.length === 0) return { inserted: 0, duplicates: 0 };
    const recordedAt = isoNow(this.options.clock);
    return this.insertRecords(
      valid.map((event, i) => ({
        event,
        timeAt: new Date(event.time).toISOString(),
        recordedAt,
        commitRevision: places[i].revision,
        commitPosition: places[i].position,
      })),
    );
  }

  async list(query: AuditEventQuery = {}): Promise<Page<CloudEvent>> {
    const body = requireObject(query, 'query');
    const { limit, cursor } = readPageRequest(body);
    return this.findPage(validateAuditFilter(body), limit, cursor);
  }

  async count(filter: AuditEventFilter = {}): Promise<number> {
    return this.countMatching(
      validateAuditFilter(requireObject(filter, 'filter')),
    );
  }

  async purgeExpired(): Promise<number> {
    return this.removeRecordedBefore(this.retentionCutoff());
  }

  protected retentionCutoff(): Date {
    return new Date(this.options.clock.now() - this.retentionDays * 86_400_000);
  }
}

/** True when the event matches the filter (memory driver; the mongo driver builds a query instead). */
export function matchesAuditFilter(
  record: AuditRecord,
  filter: AuditEventFilter,
): boolean {
  const { event } = record;
  return (
    (filter.type === undefined || event.type === filter.type) &&
    (filter.typePrefix === undefined ||
      event.type.startsWith(filter.typePrefix)) &&
    (filter.subject === undefined || event.subject === filter.subject) &&
    (filter.source === undefined || event.source === filter.source) &&
    (filter.from === undefined ||
      Date.parse(record.timeAt) >= Date.parse(filter.from)) &&
    (filter.to === undefined ||
      Date.parse(record.timeAt) < Date.parse(filter.to))
  );
}
