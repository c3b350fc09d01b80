import type { InstanceSpec, LabletInstance } from '@lcm/domain';

/**
 * Shares what the instance records the controller holds repeat, as they are decoded: JSON.parse
 * makes every string and object afresh, so 10,000 instances of one definition hold 10,000 equal
 * specs and as many copies of each definition id, owner, state, worker id and `triggeredBy`, and
 * each record its own copies of the timestamps its history repeats (createdAt, updatedAt...). The
 * records are never mutated once decoded (transitions build new ones), so one copy can serve all.
 * The tables are bounded: past `limit` entries they start over (sharing then resumes with the
 * records decoded next; nothing is lost but some sharing).
 */
export class RecordSharing {
  private readonly strings = new Map<string, string>();
  private readonly specs = new Map<string, InstanceSpec>();

  constructor(private readonly limit = 10_000) {}

  /** The copy of `value` held for every record (the first one seen). */
  string<S extends string | null | undefined>(value: S): S {
    if (value === null || value === undefined) return value;
    const held = this.strings.get(value);
    if (held !== undefined) return held as S;
    if (this.strings.size >= this.limit) this.strings.clear();
    this.strings.set(value, value);
    return value;
  }

  /** `record` (freshly decoded, not yet seen by anyone) with its repeated parts shared. */
  instance(record: LabletInstance): LabletInstance {
    record.definitionId = this.string(record.definitionId);
    record.definitionName = this.string(record.definitionName);
    record.definitionVersion = this.string(record.definitionVersion);
    record.ownerId = this.string(record.ownerId);
    record.state = this.string(record.state);
    record.workerId = this.string(record.workerId);
    record.stateReason = this.string(record.stateReason);
    record.pendingReason = this.string(record.pendingReason);
    record.spec = this.spec(record.spec);
    // The record's own instants: its history repeats createdAt, scheduledAt, updatedAt...
    const instants = new Map<string, string>();
    const instant = <S extends string | null>(value: S): S => {
      if (value === null) return value;
      const held = instants.get(value);
      if (held !== undefined) return held as S;
      instants.set(value, value);
      return value;
    };
    for (const entry of record.stateHistory) {
      entry.from = this.string(entry.from);
      entry.to = this.string(entry.to);
      entry.triggeredBy = this.string(entry.triggeredBy);
      if (entry.reason !== undefined) entry.reason = this.string(entry.reason);
      entry.at = instant(entry.at);
    }
    record.createdAt = instant(record.createdAt);
    record.scheduledAt = instant(record.scheduledAt);
    record.startedAt = instant(record.startedAt);
    record.terminatedAt = instant(record.terminatedAt);
    record.updatedAt = instant(record.updatedAt);
    return record;
  }

  /** One spec object per distinct spec (instances of one definition version share theirs). */
  private spec(spec: InstanceSpec): InstanceSpec {
    const key = JSON.stringify(spec);
    const held = this.specs.get(key);
    if (held !== undefined) return held;
    if (this.specs.size >= this.limit) this.specs.clear();
    this.specs.set(key, spec);
    return spec;
  }
}
