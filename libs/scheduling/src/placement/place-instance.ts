import type { PortMap, WorkerCapacityRecord } from '@lcm/domain';
import {
  DEFAULT_FILTERS,
  LOOK_AHEAD_FILTERS,
} from '../plugins/filters/default-filters';
import {
  DEFAULT_PLACEMENT_STRATEGY,
  scorerFor,
  type PlacementStrategy,
} from '../plugins/scorers/strategy';
import {
  selectTemplate,
  type SelectTemplateOptions,
  type TemplateSelection,
} from '../templates/select-template';
import type { TemplateView } from '../templates/template-view';
import {
  describeRemovals,
  type FilterRemoval,
  type PlacementExplanation,
  type RankedCandidate,
} from './explanation';
import { compareIds, runFilters } from './filter-pipeline';
import type { FilterPlugin, ScorePlugin } from './plugin';
import { rankCandidates } from './rank-candidates';
import { DECISION_ALLOCATED_AT, reserveOnWorker } from './reserve-on-worker';
import type { PlacementRequest, WorkerView } from './worker-view';

export interface PlacementOptions {
  /** `binpack` (default) or `spread`. */
  strategy?: PlacementStrategy;
  /** Replaces the strategy's scorer (a custom plugin). */
  scorer?: ScorePlugin;
  /** Replaces DEFAULT_FILTERS (to add or reorder plugins). */
  filters?: readonly FilterPlugin[];
  /** Replaces LOOK_AHEAD_FILTERS, used to decide `wait`. */
  lookAheadFilters?: readonly FilterPlugin[];
  /** When given, a `scale_up` decision names the template to use (`selectTemplate`). */
  scaleUp?: SelectTemplateOptions & { templates: readonly TemplateView[] };
}

interface DecisionBase {
  instanceId: string;
  explanation: PlacementExplanation;
}

/** Exactly what `scheduleInstance` does with this worker: the same ports and capacity record. */
export interface AssignDecision extends DecisionBase {
  action: 'assign';
  workerId: string;
  ports: PortMap;
  /** The worker's capacity record after the reservation. */
  capacity: WorkerCapacityRecord;
  score: number;
}

/** No running worker fits, but a starting one (pending/provisioning) will: no new scale-up. */
export interface WaitDecision extends DecisionBase {
  action: 'wait';
  startingWorkerIds: string[];
}

/** No running or starting worker fits: capacity must be added. */
export interface ScaleUpDecision extends DecisionBase {
  action: 'scale_up';
  /** Present when templates were given; `template.template` is null when none is eligible. */
  template?: TemplateSelection;
}

export type PlacementDecision = AssignDecision | WaitDecision | ScaleUpDecision;

function explanation(
  text: string,
  considered: number,
  removals: FilterRemoval[],
  ranking: RankedCandidate[],
): PlacementExplanation {
  return { text, considered, removals, ranking };
}

/**
 * docs/scheduling.md#placement-pipeline for one PENDING instance: filter the workers (each removal counted with its reason),
 * score the survivors with the configured strategy, break ties deterministically, and reserve on
 * the winner exactly as `scheduleInstance` will. With no winner: `wait` when a starting worker
 * would take the instance, otherwise `scale_up`.
 */
export function placeInstance(
  request: PlacementRequest,
  workers: readonly WorkerView[],
  options: PlacementOptions = {},
): PlacementDecision {
  const filters = options.filters ?? DEFAULT_FILTERS;
  const scorer =
    options.scorer ?? scorerFor(options.strategy ?? DEFAULT_PLACEMENT_STRATEGY);
  const { feasible, removals } = runFilters(filters, workers, request);
  const ranked = rankCandidates(feasible, request, scorer);
  const ranking: RankedCandidate[] = ranked.map(
    ({ workerId, score, freePorts }) => ({ workerId, score, freePorts }),
  );
  const removed = describeRemovals(removals);

  if (ranked.length > 0) {
    const best = ranked[0];
    const reserved = reserveOnWorker(best.view, request, DECISION_ALLOCATED_AT);
    const fit = `${ranked.length} of ${workers.length} workers fit`;
    return {
      action: 'assign',
      instanceId: request.id,
      workerId: best.workerId,
      ports: reserved.allocatedPorts,
      capacity: reserved.capacity,
      score: best.score,
      explanation: explanation(
        `assigned to ${best.workerId}, ${scorer.name} score ${best.score.toFixed(3)} (${removed ? `${fit}; ${removed}` : fit})`,
        workers.length,
        removals,
        ranking,
      ),
    };
  }

  const noFit =
    workers.length === 0 ? 'no workers' : `no worker fits (${removed})`;
  const lookAhead = runFilters(
    options.lookAheadFilters ?? LOOK_AHEAD_FILTERS,
    workers,
    request,
  );
  if (lookAhead.feasible.length > 0) {
    const startingWorkerIds = lookAhead.feasible
      .map((v) => v.worker.id)
      .sort(compareIds);
    return {
      action: 'wait',
      instanceId: request.id,
      startingWorkerIds,
      explanation: explanation(
        `${noFit}; waiting for starting worker${startingWorkerIds.length > 1 ? 's' : ''} ${startingWorkerIds.join(', ')}`,
        workers.length,
        removals,
        ranking,
      ),
    };
  }

  if (options.scaleUp === undefined) {
    return {
      action: 'scale_up',
      instanceId: request.id,
      explanation: explanation(
        `${noFit}; scale up needed`,
        workers.length,
        removals,
        ranking,
      ),
    };
  }
  const template = selectTemplate(request.spec, options.scaleUp.templates, {
    region: options.scaleUp.region,
  });
  const then =
    template.template === null
      ? template.reason
      : `scale up ${template.template.name}: ${template.reason}`;
  return {
    action: 'scale_up',
    instanceId: request.id,
    template,
    explanation: explanation(
      `${noFit}; ${then}`,
      workers.length,
      removals,
      ranking,
    ),
  };
}
