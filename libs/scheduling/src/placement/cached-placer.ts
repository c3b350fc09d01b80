import type { InstanceSpec } from '@lcm/domain';
import { DEFAULT_FILTERS } from '../plugins/filters/default-filters';
import { scorerFor, type PlacementStrategy } from '../plugins/scorers/strategy';
import { runFilters } from './filter-pipeline';
import {
  placeInstance,
  type PlacementDecision,
  type PlacementOptions,
} from './place-instance';
import type { FilterPlugin, ScorePlugin } from './plugin';
import { compareRanked, rankCandidate, type Ranked } from './rank-candidates';
import type { PlacementRequest, WorkerView } from './worker-view';

/** The winner of a placement: exactly the worker `placeInstance` would assign. */
export interface Assignment {
  action: 'assign';
  instanceId: string;
  workerId: string;
}

/** An assignment, or `placeInstance`'s own `wait` / `scale_up` decision with its explanation. */
export type CachedDecision =
  | Assignment
  | Exclude<PlacementDecision, { action: 'assign' }>;

/**
 * `placeInstance` made cheap enough to run 10,000 times over 1,000 workers (the scheduler's leader).
 *
 * The choice is `placeInstance`'s, built from the same pieces: the default filters, the
 * strategy's scorer (`rankCandidate`) and the ranking order (`compareRanked`). Those are pure
 * functions of (worker view, request spec), and the caller replaces a worker's view object
 * whenever its planned state changes. So each worker version is filtered and ranked once per
 * request shape (cached on the view object) instead of once per decision, and the best candidate
 * is found by one scan in `compareRanked`'s order instead of a sort. When nothing fits,
 * `placeInstance` itself runs, so the explanation and the `wait` and `scale_up` decisions are the
 * library's, word for word. A property test holds the two together.
 */
export class CachedPlacer {
  private readonly filters: readonly FilterPlugin[] = DEFAULT_FILTERS;
  private readonly scorer: ScorePlugin;
  /** Request shape -> worker view version -> its ranking (null: filtered out). */
  private readonly rankings = new Map<
    string,
    WeakMap<WorkerView, Ranked | null>
  >();
  private readonly shapes = new WeakMap<InstanceSpec, string>();

  constructor(private readonly strategy: PlacementStrategy) {
    this.scorer = scorerFor(strategy);
  }

  /** An assignment, or the library's full `wait` / `scale_up` decision with its explanation. */
  decide(
    request: PlacementRequest,
    views: readonly WorkerView[],
    options: Omit<PlacementOptions, 'strategy'> = {},
  ): CachedDecision {
    const best = this.bestWorker(request, views);
    if (best) {
      return {
        action: 'assign',
        instanceId: request.id,
        workerId: best.worker.id,
      };
    }
    const decision = placeInstance(request, views, {
      ...options,
      strategy: this.strategy,
    });
    // Unreachable while the cache agrees with the library; if it ever did not, trust the library.
    if (decision.action === 'assign') {
      return {
        action: 'assign',
        instanceId: request.id,
        workerId: decision.workerId,
      };
    }
    return decision;
  }

  /** The worker `placeInstance` would assign the request to, or undefined when none fits. */
  bestWorker(
    request: PlacementRequest,
    views: readonly WorkerView[],
  ): WorkerView | undefined {
    const cache = this.cacheFor(request.spec);
    let best: Ranked | undefined;
    for (const view of views) {
      // The one per-instance rule (not cacheable per shape): a worker already holding ports for
      // this instance (a stale view) is filtered out by `available-ports`.
      if (Object.prototype.hasOwnProperty.call(view.ports, request.id))
        continue;
      let ranked = cache.get(view);
      if (ranked === undefined) {
        ranked = this.rank(view, request);
        cache.set(view, ranked);
      }
      if (
        ranked !== null &&
        (best === undefined || compareRanked(ranked, best) < 0)
      ) {
        best = ranked;
      }
    }
    return best?.view;
  }

  private rank(view: WorkerView, request: PlacementRequest): Ranked | null {
    const { feasible } = runFilters(this.filters, [view], request);
    return feasible.length === 0
      ? null
      : rankCandidate(view, request, this.scorer);
  }

  private cacheFor(spec: InstanceSpec): WeakMap<WorkerView, Ranked | null> {
    let shape = this.shapes.get(spec);
    if (shape === undefined) {
      // Everything the filters and scorers read from a request, except its id.
      shape = JSON.stringify([
        spec.requirements,
        spec.licenseAffinity,
        spec.nodeCount,
        spec.ports.length,
      ]);
      this.shapes.set(spec, shape);
    }
    let cache = this.rankings.get(shape);
    if (!cache) {
      cache = new WeakMap();
      this.rankings.set(shape, cache);
    }
    return cache;
  }
}
