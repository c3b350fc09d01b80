import { DEFAULT_FILTERS } from '../plugins/filters/default-filters';
import {
  DEFAULT_PLACEMENT_STRATEGY,
  scorerFor,
} from '../plugins/scorers/strategy';
import {
  consolidatePlacements,
  isWorkerInUse,
  type AdmittedPlacement,
  type Consolidation,
  type ConsolidationOptions,
} from './consolidate-placements';
import { describeRemovals, type RankedCandidate } from './explanation';
import { runFilters } from './filter-pipeline';
import {
  placeInstance,
  type AssignDecision,
  type PlacementDecision,
  type PlacementOptions,
} from './place-instance';
import { rankCandidates } from './rank-candidates';
import {
  DECISION_ALLOCATED_AT,
  reserveOnWorker,
  withReservation,
} from './reserve-on-worker';
import type { PlacementRequest, WorkerView } from './worker-view';

export interface BatchPlacementOptions extends PlacementOptions {
  /** Bounds of the re-pack (defaults: exact for at most 10 placed instances, 20,000 nodes). */
  consolidation?: Pick<ConsolidationOptions, 'exactLimit' | 'nodeBudget'>;
}

export interface BatchPlacement {
  /** One decision per request, in the order given (queue order). */
  decisions: PlacementDecision[];
  /** Workers holding any allocation afterwards: with one-at-a-time placement, and with these decisions. */
  workersInUse: { queueOrder: number; placed: number };
  /** The placed instances were re-packed onto fewer workers than queue order used. */
  consolidated: boolean;
}

/**
 * Consolidation serves binpack's aim (fill workers so idle ones can drain). `spread` wants the
 * opposite, and a custom scorer's aim is unknown: both keep one-at-a-time placement.
 */
export function consolidates(options: PlacementOptions): boolean {
  return (
    options.scorer === undefined &&
    (options.strategy ?? DEFAULT_PLACEMENT_STRATEGY) === 'binpack'
  );
}

/**
 * One scheduling pass over queue-ordered PENDING instances (docs/scheduling.md#placement-pipeline), consolidated.
 *
 * Admission is exactly one-at-a-time placement: `placeInstance` in queue order, each seeing the
 * reservations before it, so the same instances are placed, and the same ones wait or need a
 * scale-up with the same explanation. Then the placed instances are re-packed to leave fewer
 * workers in use (`consolidatePlacements`: one-at-a-time placement can open a worker that a
 * different arrangement avoids, e.g. 6/16, 6/16, 10/16, 10/16 of a worker). The re-pack is kept
 * only when it uses strictly fewer workers; otherwise the result is the queue-order placement
 * itself. Ports are allocated in queue order, lowest free first, as `scheduleInstance` does.
 */
export function placeBatch(
  requests: readonly PlacementRequest[],
  workers: readonly WorkerView[],
  options: BatchPlacementOptions = {},
): BatchPlacement {
  const queueOrder = placeOneAtATime(requests, workers, options);
  const inUse = queueOrder.views.filter(isWorkerInUse).length;
  const unchanged: BatchPlacement = {
    decisions: queueOrder.decisions,
    workersInUse: { queueOrder: inUse, placed: inUse },
    consolidated: false,
  };
  if (!consolidates(options)) return unchanged;

  const admitted: AdmittedPlacement[] = [];
  queueOrder.decisions.forEach((decision, i) => {
    if (decision.action === 'assign')
      admitted.push({ request: requests[i], workerId: decision.workerId });
  });
  const found = consolidatePlacements(admitted, workers, {
    filters: options.filters,
    ...options.consolidation,
  });
  if (!found) return unchanged;
  const placed = placeAsConsolidated(
    requests,
    queueOrder.decisions,
    found,
    workers,
    options,
  );
  return {
    decisions: placed.decisions,
    workersInUse: {
      queueOrder: inUse,
      placed: placed.views.filter(isWorkerInUse).length,
    },
    consolidated: true,
  };
}

interface Placed {
  decisions: PlacementDecision[];
  /** The workers after every assignment. */
  views: WorkerView[];
}

/** `placeInstance` in queue order, each decision on the workers as the earlier ones left them. */
function placeOneAtATime(
  requests: readonly PlacementRequest[],
  workers: readonly WorkerView[],
  options: PlacementOptions,
): Placed {
  const views = [...workers];
  const position = new Map(views.map((v, i) => [v.worker.id, i]));
  const decisions = requests.map((request) => {
    const decision = placeInstance(request, views, options);
    if (decision.action === 'assign') {
      const at = position.get(decision.workerId) as number;
      const reserved = reserveOnWorker(
        views[at],
        request,
        DECISION_ALLOCATED_AT,
      );
      views[at] = withReservation(views[at], reserved);
    }
    return decision;
  });
  return { decisions, views };
}

/**
 * The decisions of the re-pack: every assignment reserved in queue order on its new worker (so
 * ports are the lowest free ones, as `scheduleInstance` will allocate them), and explained
 * against the workers as the earlier assignments left them. Other decisions are kept as they were.
 */
function placeAsConsolidated(
  requests: readonly PlacementRequest[],
  decisions: readonly PlacementDecision[],
  consolidation: Consolidation,
  workers: readonly WorkerView[],
  options: PlacementOptions,
): Placed {
  const filters = options.filters ?? DEFAULT_FILTERS;
  const scorer = scorerFor(options.strategy ?? DEFAULT_PLACEMENT_STRATEGY);
  const views = [...workers];
  const position = new Map(views.map((v, i) => [v.worker.id, i]));
  const { queueOrder, consolidated } = consolidation.workersInUse;
  let next = 0;
  const placed = decisions.map((decision, i): PlacementDecision => {
    if (decision.action !== 'assign') return decision;
    const request = requests[i];
    const workerId = consolidation.workerIds[next++];
    const at = position.get(workerId) as number;
    const { feasible, removals } = runFilters(filters, views, request);
    const ranking: RankedCandidate[] = rankCandidates(
      feasible,
      request,
      scorer,
    ).map(({ workerId: id, score, freePorts }) => ({
      workerId: id,
      score,
      freePorts,
    }));
    const score = scorer.score(views[at], request);
    const reserved = reserveOnWorker(views[at], request, DECISION_ALLOCATED_AT);
    views[at] = withReservation(views[at], reserved);
    const removed = describeRemovals(removals);
    const fit = `${feasible.length} of ${views.length} workers fit`;
    const assign: AssignDecision = {
      action: 'assign',
      instanceId: request.id,
      workerId,
      ports: reserved.allocatedPorts,
      capacity: reserved.capacity,
      score,
      explanation: {
        text: `assigned to ${workerId} in a consolidated batch (${consolidated} workers in use instead of ${queueOrder}), ${scorer.name} score ${score.toFixed(3)} (${removed ? `${fit}; ${removed}` : fit})`,
        considered: views.length,
        removals,
        ranking,
      },
    };
    return assign;
  });
  return { decisions: placed, views };
}
