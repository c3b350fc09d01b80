import {
  CAPACITY_DIMENSIONS,
  capacityRequestOf,
  compareTimestamps,
  freePortCount,
} from '@lcm/domain';
import { DEFAULT_FILTERS } from '../plugins/filters/default-filters';
import { compareIds } from './filter-pipeline';
import type { FilterPlugin } from './plugin';
import {
  exactRepack,
  largestFirstRepack,
  openingsLowerBound,
  REPACK_DIMENSIONS,
  type RepackBin,
  type RepackItem,
  type RepackProblem,
  type RepackSolution,
} from './repack-search';
import {
  DECISION_ALLOCATED_AT,
  reserveOnWorker,
  withReservation,
} from './reserve-on-worker';
import type { PlacementRequest, WorkerView } from './worker-view';

/** An instance placed in queue order, and the worker that placement chose. */
export interface AdmittedPlacement {
  request: PlacementRequest;
  workerId: string;
}

export interface ConsolidationOptions {
  /** The filters every placement must pass (default DEFAULT_FILTERS). */
  filters?: readonly FilterPlugin[];
  /** Batches of at most this many instances are re-packed exactly (branch and bound). Default 10. */
  exactLimit?: number;
  /** Placements the branch and bound may try before it keeps the best found so far. Default 20,000. */
  nodeBudget?: number;
}

export const DEFAULT_CONSOLIDATION_EXACT_LIMIT = 10;
export const DEFAULT_CONSOLIDATION_NODE_BUDGET = 20_000;

export interface Consolidation {
  /** The worker of each admitted instance, in the order they were given (queue order). */
  workerIds: string[];
  /** Workers in use (holding any allocation) among those given: after queue-order placement, and after these. */
  workersInUse: { queueOrder: number; consolidated: number };
  method: 'largest-first' | 'branch-and-bound';
}

/** A worker holds an allocation: some capacity or some port is taken. */
export function isWorkerInUse({ capacity, ports }: WorkerView): boolean {
  // The four capacity dimensions spelled out: this runs over every empty worker per window.
  const { cpuCores, memoryGb, storageGb, maxNodes } = capacity.allocated;
  if (cpuCores > 0 || memoryGb > 0 || storageGb > 0 || maxNodes > 0)
    return true;
  for (const id in ports)
    if (Object.prototype.hasOwnProperty.call(ports, id)) return true;
  return false;
}

/** Index of the ports dimension: after cpu, memory, storage and nodes (see repack-search). */
const PORTS = CAPACITY_DIMENSIONS.length;

function demandOf(request: PlacementRequest): number[] {
  const capacity = capacityRequestOf(request.spec);
  return [
    ...CAPACITY_DIMENSIONS.map((d) => capacity[d]),
    request.spec.ports.length,
  ];
}

/** Room left in cpu, memory, storage, nodes and ports. */
function roomOf({ worker, capacity, ports }: WorkerView): number[] {
  return [
    ...CAPACITY_DIMENSIONS.map((d) =>
      Math.max(0, capacity.declared[d] - capacity.allocated[d]),
    ),
    freePortCount(worker.portRange, ports),
  ];
}

interface Survey {
  /** Workers in use before the batch. */
  inUse: number;
  /** Their summed room. */
  inUseRoom: number[];
  /** The largest room of an empty worker, per dimension: its whole capacity. */
  largestEmpty: number[];
  /** Empty workers the admitted placements went to. */
  opened: number;
  /** Workers the admitted placements went to that are among the candidates. */
  admittedSeen: number;
}

/**
 * One pass over the candidates for what decides whether a search is worth it. The scheduler
 * calls this for every window of 10 placements that opened a worker, with every empty worker as
 * a candidate, so it stays one cheap loop (the filters run only once a search may pay off).
 */
function surveyWorkers(
  workers: readonly WorkerView[],
  admittedOn: ReadonlyMap<string, number>,
): Survey {
  const survey: Survey = {
    inUse: 0,
    inUseRoom: new Array<number>(REPACK_DIMENSIONS).fill(0),
    largestEmpty: new Array<number>(REPACK_DIMENSIONS).fill(0),
    opened: 0,
    admittedSeen: 0,
  };
  for (const view of workers) {
    const admittedHere = admittedOn.has(view.worker.id);
    if (admittedHere) survey.admittedSeen++;
    if (isWorkerInUse(view)) {
      survey.inUse++;
      const room = roomOf(view);
      for (let d = 0; d < REPACK_DIMENSIONS; d++)
        survey.inUseRoom[d] += room[d];
      continue;
    }
    if (admittedHere) survey.opened++;
    // An empty worker's room is its whole capacity, in the dimensions' order (cpu, memory,
    // storage, nodes, ports): spelled out, as this runs over every empty worker.
    const { cpuCores, memoryGb, storageGb, maxNodes } = view.capacity.declared;
    const { start, end } = view.worker.portRange;
    const largest = survey.largestEmpty;
    largest[0] = Math.max(largest[0], cpuCores);
    largest[1] = Math.max(largest[1], memoryGb);
    largest[2] = Math.max(largest[2], storageGb);
    largest[3] = Math.max(largest[3], maxNodes);
    largest[PORTS] = Math.max(largest[PORTS], end - start + 1);
  }
  return survey;
}

function sum(vectors: readonly (readonly number[])[]): number[] {
  const total = new Array<number>(REPACK_DIMENSIONS).fill(0);
  for (const v of vectors)
    for (let d = 0; d < REPACK_DIMENSIONS; d++) total[d] += v[d];
  return total;
}

interface Candidate {
  view: WorkerView;
  inUse: boolean;
  room: number[];
  /** Per admitted instance: passes every filter on this worker as it was before the batch. */
  eligible: boolean[];
  /** Position of the first admitted instance queue order put here (Infinity: none). */
  firstAdmitted: number;
}

/** Also for Infinity (Infinity - Infinity is NaN). */
function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Empty workers that differ only in identity are interchangeable; within a class, prefer the ones
 * queue order already opened (the packing changes less), then the oldest, then the smallest id.
 */
function compareEmpty(a: Candidate, b: Candidate): number {
  return (
    compareNumbers(a.firstAdmitted, b.firstAdmitted) ||
    compareTimestamps(a.view.worker.createdAt, b.view.worker.createdAt) ||
    compareIds(a.view.worker.id, b.view.worker.id)
  );
}

/**
 * The search problem: every worker in use that some instance may go to (by id), then the empty
 * ones grouped in classes, at most one member per instance in each (more could never be used).
 */
function buildProblem(
  admitted: readonly AdmittedPlacement[],
  candidates: readonly Candidate[],
): { problem: RepackProblem; workerIds: string[] } {
  const usable = candidates.filter((c) => c.eligible.some(Boolean));
  const inUse = usable
    .filter((c) => c.inUse)
    .sort((a, b) => compareIds(a.view.worker.id, b.view.worker.id));
  const classes = new Map<string, Candidate[]>();
  for (const candidate of usable.filter((c) => !c.inUse)) {
    const { declared } = candidate.view.capacity;
    const key = JSON.stringify([
      candidate.room,
      CAPACITY_DIMENSIONS.map((d) => declared[d]),
      candidate.eligible,
    ]);
    const members = classes.get(key) ?? [];
    members.push(candidate);
    classes.set(key, members);
  }
  const ordered = [...classes.values()]
    .map((members) => members.sort(compareEmpty).slice(0, admitted.length))
    .sort((a, b) => compareEmpty(a[0], b[0]));

  const bins: RepackBin[] = [];
  const workerIds: string[] = [];
  const addBin = (c: Candidate, classId: number, rank: number): void => {
    const { declared } = c.view.capacity;
    bins.push({
      room: c.room,
      declared: CAPACITY_DIMENSIONS.map((d) => declared[d]),
      eligible: c.eligible,
      inUse: c.inUse,
      classId,
      rank,
    });
    workerIds.push(c.view.worker.id);
  };
  inUse.forEach((c) => addBin(c, -1, 0));
  ordered.forEach((members, classId) =>
    members.forEach((c, rank) => addBin(c, classId, rank)),
  );
  const items: RepackItem[] = admitted.map((a) => ({
    demand: demandOf(a.request),
  }));
  return { problem: { items, bins }, workerIds };
}

/**
 * Replays the re-pack in queue order on the workers as they were, through the filters and the
 * domain's reservation (the same steps `scheduleInstance` takes): false if any step refuses, for
 * instance a custom filter the search could not model.
 */
function replays(
  admitted: readonly AdmittedPlacement[],
  workerIds: readonly string[],
  before: ReadonlyMap<string, WorkerView>,
  filters: readonly FilterPlugin[],
): boolean {
  const state = new Map(before);
  for (let i = 0; i < admitted.length; i++) {
    const view = state.get(workerIds[i]);
    const { request } = admitted[i];
    if (!view || !filters.every((f) => f.filter(view, request).ok))
      return false;
    try {
      const reserved = reserveOnWorker(view, request, DECISION_ALLOCATED_AT);
      state.set(workerIds[i], withReservation(view, reserved));
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Re-packs instances that queue-order placement admitted onto as few workers as it can.
 *
 * `workers` are the candidates as they were before the admitted placements: at least every worker
 * those placements went to (else this throws); workers in use stay in use, so only the empty
 * workers the batch opened can be saved, and any other empty worker given is room to do it.
 * Largest first (by dominant share), and for at most `exactLimit` instances a branch and bound
 * within `nodeBudget`. Returns a re-pack only when it leaves strictly fewer workers in use and
 * replays through every filter; otherwise undefined (keep the queue-order placement).
 * Deterministic: the answer does not depend on the order of `workers`.
 */
export function consolidatePlacements(
  admitted: readonly AdmittedPlacement[],
  workers: readonly WorkerView[],
  options: ConsolidationOptions = {},
): Consolidation | undefined {
  const filters = options.filters ?? DEFAULT_FILTERS;
  const firstAdmitted = new Map<string, number>();
  admitted.forEach((a, i) => {
    if (!firstAdmitted.has(a.workerId)) firstAdmitted.set(a.workerId, i);
  });
  const survey = surveyWorkers(workers, firstAdmitted);
  if (survey.admittedSeen < firstAdmitted.size) {
    const ids = new Set(workers.map((v) => v.worker.id));
    const missing = admitted.find((a) => !ids.has(a.workerId));
    throw new Error(
      `consolidatePlacements: worker ${missing?.workerId} of ${missing?.request.id} is not among the candidates`,
    );
  }
  const openedByQueueOrder = survey.opened;
  if (openedByQueueOrder === 0) return undefined;
  // Before any filter runs: can the demand fit into fewer newly opened workers at all?
  const lowerBound = openingsLowerBound(
    sum(admitted.map((a) => demandOf(a.request))),
    survey.inUseRoom,
    survey.largestEmpty,
  );
  if (lowerBound >= openedByQueueOrder) return undefined;

  const before = new Map(workers.map((v) => [v.worker.id, v]));
  const candidates: Candidate[] = workers.map((view) => ({
    view,
    inUse: isWorkerInUse(view),
    room: roomOf(view),
    eligible: admitted.map((a) =>
      filters.every((f) => f.filter(view, a.request).ok),
    ),
    firstAdmitted: firstAdmitted.get(view.worker.id) ?? Infinity,
  }));
  const { problem, workerIds } = buildProblem(admitted, candidates);
  const found = solve(problem, openedByQueueOrder, lowerBound, {
    exactLimit: options.exactLimit ?? DEFAULT_CONSOLIDATION_EXACT_LIMIT,
    nodeBudget: options.nodeBudget ?? DEFAULT_CONSOLIDATION_NODE_BUDGET,
  });
  if (!found) return undefined;
  const chosen = found.solution.binOf.map((bin) => workerIds[bin]);
  if (!replays(admitted, chosen, before, filters)) return undefined;
  return {
    workerIds: chosen,
    workersInUse: {
      queueOrder: survey.inUse + openedByQueueOrder,
      consolidated: survey.inUse + found.solution.opened,
    },
    method: found.method,
  };
}

/** The heuristic, then (small batches) the exact search for better; only strictly better than queue order. */
function solve(
  problem: RepackProblem,
  queueOrderOpenings: number,
  lowerBound: number,
  limits: { exactLimit: number; nodeBudget: number },
): { solution: RepackSolution; method: Consolidation['method'] } | undefined {
  let best:
    | { solution: RepackSolution; method: Consolidation['method'] }
    | undefined;
  const heuristic = largestFirstRepack(problem);
  if (heuristic && heuristic.opened < queueOrderOpenings)
    best = { solution: heuristic, method: 'largest-first' };
  const bound = best?.solution.opened ?? queueOrderOpenings;
  if (problem.items.length <= limits.exactLimit && lowerBound < bound) {
    const exact = exactRepack(problem, {
      fewerThan: bound,
      nodeBudget: limits.nodeBudget,
    }).best;
    if (exact) best = { solution: exact, method: 'branch-and-bound' };
  }
  return best;
}
