import { compareTimestamps, freePortCount } from '@lcm/domain';
import type { RankedCandidate } from './explanation';
import { compareIds } from './filter-pipeline';
import type { ScorePlugin } from './plugin';
import type { PlacementRequest, WorkerView } from './worker-view';

export interface Ranked extends RankedCandidate {
  view: WorkerView;
}

/**
 * Best first: highest score, then fewest free ports, then the oldest worker (`createdAt`), then
 * the smallest id (docs/scheduling.md#placement-pipeline). A total order on distinct ids, so the result never depends on the
 * order the workers were listed in.
 */
export function compareRanked(a: Ranked, b: Ranked): number {
  if (a.score !== b.score) return b.score - a.score;
  return (
    a.freePorts - b.freePorts ||
    compareTimestamps(a.view.worker.createdAt, b.view.worker.createdAt) ||
    compareIds(a.workerId, b.workerId)
  );
}

/** One feasible worker as the ranking sees it: its score for the request and its free ports. */
export function rankCandidate(
  view: WorkerView,
  request: PlacementRequest,
  scorer: ScorePlugin,
): Ranked {
  return {
    view,
    workerId: view.worker.id,
    score: scorer.score(view, request),
    freePorts: freePortCount(view.worker.portRange, view.ports),
  };
}

export function rankCandidates(
  feasible: readonly WorkerView[],
  request: PlacementRequest,
  scorer: ScorePlugin,
): Ranked[] {
  return feasible
    .map((view) => rankCandidate(view, request, scorer))
    .sort(compareRanked);
}
