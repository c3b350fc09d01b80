import type { PlacementRequest, WorkerView } from './worker-view';

/** A filter keeps a worker (`ok: true`) or removes it with a short human reason ("license mismatch"). */
export type FilterResult = { ok: true } | { ok: false; reason: string };

/**
 * One placement rule. Pure: the same candidate and request always give the same result.
 * `name` is stable (it appears in explanations and metrics).
 */
export interface FilterPlugin {
  readonly name: string;
  filter(candidate: WorkerView, request: PlacementRequest): FilterResult;
}

/** Rates a worker that passed every filter. Higher is better, whatever the strategy. */
export interface ScorePlugin {
  readonly name: string;
  score(candidate: WorkerView, request: PlacementRequest): number;
}

export const KEEP: FilterResult = Object.freeze({ ok: true });

export function remove(reason: string): FilterResult {
  return { ok: false, reason };
}
