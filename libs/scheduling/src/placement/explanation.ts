/** How many workers one filter removed for one reason (the machine-readable explanation). */
export interface FilterRemoval {
  filter: string;
  reason: string;
  count: number;
  /** Sorted, so the explanation does not depend on the order workers were listed in. */
  workerIds: string[];
}

/**
 * A worker that passed every filter, with its score; `ranking[0]` is the choice of one-at-a-time
 * placement (a consolidated batch, `placeBatch`, may choose another; its text says so).
 */
export interface RankedCandidate {
  workerId: string;
  score: number;
  freePorts: number;
}

export interface PlacementExplanation {
  /** For people and `pendingReason`: "3 workers: license mismatch; 2 workers: insufficient memory". */
  text: string;
  /** Workers looked at. */
  considered: number;
  /** In pipeline order; within a filter, largest count first, then by reason. */
  removals: FilterRemoval[];
  /** Feasible workers, best first (empty when none is feasible). */
  ranking: RankedCandidate[];
}

function workers(count: number): string {
  return count === 1 ? '1 worker' : `${count} workers`;
}

/** "3 workers: license mismatch; 2 workers: insufficient memory" (docs/scheduling.md#outcomes-and-explanations). */
export function describeRemovals(removals: readonly FilterRemoval[]): string {
  return removals.map((r) => `${workers(r.count)}: ${r.reason}`).join('; ');
}
