// Public API of @lcm/scheduling: the placement pipeline (filter and score plugins), template
// selection, the autoscaler's scale-up and scale-down decisions, and the pending-queue order.
// Pure: plain data in, decisions out; callers pass `now`.

// Placement
export * from './placement/worker-view';
export * from './placement/plugin';
export * from './placement/explanation';
export { runFilters, type FilterOutcome } from './placement/filter-pipeline';
export {
  compareRanked,
  rankCandidate,
  rankCandidates,
  type Ranked,
} from './placement/rank-candidates';
export * from './placement/place-instance';
export * from './placement/cached-placer';
export {
  consolidatePlacements,
  DEFAULT_CONSOLIDATION_EXACT_LIMIT,
  DEFAULT_CONSOLIDATION_NODE_BUDGET,
  isWorkerInUse,
  type AdmittedPlacement,
  type Consolidation,
  type ConsolidationOptions,
} from './placement/consolidate-placements';
export * from './placement/place-batch';

// Plugins
export * from './plugins/filters/worker-status';
export * from './plugins/filters/worker-starting';
export * from './plugins/filters/license-affinity';
export * from './plugins/filters/resource-requirements';
export * from './plugins/filters/ami-requirements';
export * from './plugins/filters/available-capacity';
export * from './plugins/filters/available-ports';
export * from './plugins/filters/default-filters';
export * from './plugins/scorers/binpack';
export * from './plugins/scorers/spread';
export * from './plugins/scorers/strategy';

// Templates
export * from './templates/template-view';
export * from './templates/select-template';

// Autoscaling
export * from './autoscaling/scale-up';
export * from './autoscaling/restart-estimate';
export * from './autoscaling/booking-window';
export * from './autoscaling/capacity-forecast';
export * from './autoscaling/window-demand';
export * from './autoscaling/scale-down';

// Queue
export * from './queue/order-pending-queue';
