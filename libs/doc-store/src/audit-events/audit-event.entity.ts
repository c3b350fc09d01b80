import type { PageRequest } from '../pagination/page';

import type { TimedCloudEvent } from '@lcm/domain';

/** What the audit trail stores: the one CloudEvent type (@lcm/domain), with its time. */
export type CloudEvent = TimedCloudEvent;

export interface AuditEventFilter {
  /** Exact type. */
  type?: string;
  /** Type prefix, e.g. `lcm.lablet.instance.` for every instance event. */
  typePrefix?: string;
  subject?: string;
  source?: string;
  /** Events with `time` at or after this instant (ISO-8601). */
  from?: string;
  /** Events with `time` before this instant (exclusive). */
  to?: string;
}

export type AuditEventQuery = AuditEventFilter & PageRequest;

/**
 * Where an event was committed: the state store's revision of its outbox write and its position among
 * the events of that revision (the order of the transaction's writes). The audit trail lists events in
 * this order, compared as numbers; events stored without it (imports, tests) have revision 0 and sort
 * before every committed event, among themselves by time.
 */
export interface AuditCommit {
  revision: number;
  position: number;
}

export interface InsertManyResult {
  inserted: number;
  /** Events whose (source, id) was already stored: re-deliveries, ignored. */
  duplicates: number;
}

/** docs/architecture.md#stores: audit events are kept 365 days by default (the allowed window is 3 to 12 months). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;
