import { Conflict } from '@lcm/domain';
import { Fence, fenceCompare } from '../election/leader-election';
import { KeyLayout } from '../keys/key-layout';
import { Compare, Operation, StateStore } from '../port/state-store';
import { OutboxEvent } from './outbox-event';

/** What a record key must look like for the write to apply: its mod revision, absent, or anything. */
export type ExpectedRevision = number | 'absent' | 'any';

export interface RecordWrite {
  key: string;
  /** JSON-serialisable record, or null to delete the key. */
  value: unknown | null;
  expected: ExpectedRevision;
}

export interface CommitOptions {
  /** Leader fence of the writer (scheduler, controller): the commit fails if it was deposed. */
  fence?: Fence;
  /** CloudEvents caused by this change, written to the outbox in the same transaction. */
  events: OutboxEvent[];
  /** Further conditions (e.g. "the worker record is still at the revision I placed against"). */
  conditions?: { key: string; expected: ExpectedRevision }[];
}

/**
 * What a commit applied: its revision and the puts and deletes of its transaction (exactly what a
 * watch on those keys reports at `revision`), so a writer can update its own watch cache at once
 * (`WatchCache.applyCommitted`) instead of waiting for the echo.
 */
export interface CommitResult {
  revision: number;
  operations: readonly Operation[];
}

/** The writer's leader fence no longer holds: another replica leads now. Nothing was written. */
export class NotLeaderError extends Error {
  constructor(readonly fence: Fence) {
    super(
      `not the leader any more (${fence.key} no longer holds ${fence.holder}'s election at revision ${fence.createRevision})`,
    );
    this.name = 'NotLeaderError';
  }
}

/**
 * Commits a change as ONE etcd transaction: every record compared on its mod revision (optimistic
 * concurrency, as Kubernetes does), the writer's fence compared, then the records and the change's
 * outbox events written together. Either all of it is applied or none; a retried commit of the same
 * change cannot apply twice (its compares fail) nor create a second event (event ids are deterministic).
 */
export class StateCommitter {
  constructor(
    private readonly store: StateStore,
    private readonly keys: KeyLayout,
  ) {}

  async commit(
    writes: RecordWrite[],
    options: CommitOptions,
  ): Promise<CommitResult> {
    const conditions = [
      ...writes.map((w) => ({ key: w.key, expected: w.expected })),
      ...(options.conditions ?? []),
    ];
    const compare: Compare[] = conditions.flatMap(({ key, expected }) =>
      expectation(key, expected),
    );
    if (options.fence) compare.push(fenceCompare(options.fence));
    const success: Operation[] = [
      ...writes.map(
        (w): Operation =>
          w.value === null
            ? { type: 'delete', key: w.key }
            : { type: 'put', key: w.key, value: JSON.stringify(w.value) },
      ),
      ...options.events.map(
        (event): Operation => ({
          type: 'put',
          key: this.keys.event(event.id),
          value: JSON.stringify(event),
        }),
      ),
    ];
    const checkedKeys = [
      ...new Set([
        ...conditions.map((c) => c.key),
        ...(options.fence ? [options.fence.key] : []),
      ]),
    ];
    const result = await this.store.txn({
      compare,
      success,
      failureReads: checkedKeys,
    });
    if (result.succeeded)
      return { revision: result.revision, operations: success };

    const current = new Map(result.reads.map((kv) => [kv.key, kv]));
    if (
      options.fence &&
      current.get(options.fence.key)?.createRevision !==
        options.fence.createRevision
    ) {
      throw new NotLeaderError(options.fence);
    }
    const moved = conditions
      .filter(
        ({ key, expected }) =>
          !satisfied(expected, current.get(key)?.modRevision ?? 0),
      )
      .map((c) => c.key);
    const first = moved[0] ?? writes[0]?.key ?? '';
    const parsed = this.keys.parse(first);
    throw new Conflict(
      parsed?.kind ?? 'instance',
      parsed?.id ?? first,
      `changed since it was read (stale revision on ${moved.join(', ') || first})`,
    );
  }
}

function expectation(key: string, expected: ExpectedRevision): Compare[] {
  if (expected === 'any') return [];
  if (expected === 'absent')
    return [{ key, target: 'createRevision', op: '=', value: 0 }];
  return [{ key, target: 'modRevision', op: '=', value: expected }];
}

function satisfied(expected: ExpectedRevision, modRevision: number): boolean {
  return (
    expected === 'any' ||
    (expected === 'absent' ? modRevision === 0 : modRevision === expected)
  );
}
