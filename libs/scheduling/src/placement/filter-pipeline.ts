import type { FilterRemoval } from './explanation';
import type { FilterPlugin } from './plugin';
import type { PlacementRequest, WorkerView } from './worker-view';

export interface FilterOutcome {
  /** Workers that passed every filter, in input order. */
  feasible: WorkerView[];
  removals: FilterRemoval[];
}

/**
 * Runs the filters in order; a worker leaves at the first filter it fails (docs/scheduling.md#placement-pipeline), so each
 * removed worker is counted exactly once, under the first reason that applies to it.
 */
export function runFilters(
  filters: readonly FilterPlugin[],
  views: readonly WorkerView[],
  request: PlacementRequest,
): FilterOutcome {
  const feasible: WorkerView[] = [];
  // filter index -> reason -> worker ids
  const removed = filters.map(() => new Map<string, string[]>());
  for (const view of views) {
    let kept = true;
    for (let i = 0; i < filters.length; i++) {
      const result = filters[i].filter(view, request);
      if (!result.ok) {
        const ids = removed[i].get(result.reason) ?? [];
        ids.push(view.worker.id);
        removed[i].set(result.reason, ids);
        kept = false;
        break;
      }
    }
    if (kept) feasible.push(view);
  }
  const removals: FilterRemoval[] = [];
  removed.forEach((byReason, i) => {
    const group = [...byReason.entries()].map(([reason, ids]) => ({
      filter: filters[i].name,
      reason,
      count: ids.length,
      workerIds: [...ids].sort(compareIds),
    }));
    group.sort((a, b) => b.count - a.count || compareIds(a.reason, b.reason));
    removals.push(...group);
  });
  return { feasible, removals };
}

/** Code-point order: the same on every machine and locale (unlike localeCompare). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
