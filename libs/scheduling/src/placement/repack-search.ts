// The search behind batch consolidation: vector bin packing that opens as few empty bins (workers)
// as possible. Plain numbers only; consolidate-placements.ts builds the problem from worker views
// and checks every answer against the real filters before it is used.

/** Dimensions of a demand or a room, in this order: cpu, memory, storage, nodes, ports. */
export const REPACK_DIMENSIONS = 5;

/** The four capacity dimensions come first; the binpack score averages over them (not ports). */
const SCORED_DIMENSIONS = 4;

// Sums of fractional capacities (memory in GB, say) must not look over-committed by a rounding error.
const EPSILON = 1e-9;

export interface RepackItem {
  /** cpu, memory, storage, nodes, ports. */
  demand: readonly number[];
}

export interface RepackBin {
  /** Room left before any item is placed (declared minus allocated; free ports). */
  room: readonly number[];
  /** Declared cpu, memory, storage and nodes, for the binpack score. */
  declared: readonly number[];
  /** Per item (same index as the items): whether the item may go here at all. */
  eligible: readonly boolean[];
  /** Holds allocations already, so it counts as in use whether or not an item goes there. */
  inUse: boolean;
  /**
   * Empty bins with the same room, declared capacity and eligibility are interchangeable: they
   * share a class (-1 for bins in use), and member `rank` k of a class is opened only after
   * member k - 1, so the search never tries symmetric copies of one packing.
   */
  classId: number;
  rank: number;
}

export interface RepackProblem {
  items: readonly RepackItem[];
  bins: readonly RepackBin[];
}

export interface RepackSolution {
  /** The bin of every item (same index as the items). */
  binOf: number[];
  /** Empty bins it opens. */
  opened: number;
}

export interface ExactRepack {
  /** The best packing found that opens fewer than `fewerThan` bins; undefined when none was. */
  best?: RepackSolution;
  /** Placements tried. */
  nodes: number;
  /** The budget ran out before the tree was exhausted (so `best` may not be optimal). */
  budgetSpent: boolean;
}

export interface ExactRepackOptions {
  /** Only packings that open strictly fewer bins than this are of interest. */
  fewerThan: number;
  /** Placements tried before the search settles for the best packing found so far. */
  nodeBudget: number;
}

/**
 * Items by dominant share, largest first (the share of its scarcest dimension, relative to the
 * largest room any bin offers in it); ties keep the given (queue) order, so the order is stable.
 */
export function largestFirstOrder(problem: RepackProblem): number[] {
  const reference = largestRoom(problem.bins.map((bin) => bin.room));
  const share = problem.items.map(({ demand }) =>
    Math.max(
      0,
      ...demand.map((value, d) =>
        reference[d] > 0 ? value / reference[d] : 0,
      ),
    ),
  );
  return problem.items
    .map((_, i) => i)
    .sort((a, b) => share[b] - share[a] || a - b);
}

/**
 * The fewest more bins of at most `largestBin` room that can hold `demand` beyond `openRoom`, counting
 * each dimension on its own (a valid lower bound; Infinity when no bin has room in a dimension needed).
 */
export function openingsLowerBound(
  demand: readonly number[],
  openRoom: readonly number[],
  largestBin: readonly number[],
): number {
  let needed = 0;
  for (let d = 0; d < REPACK_DIMENSIONS; d++) {
    const excess = demand[d] - openRoom[d];
    if (excess <= EPSILON) continue;
    if (largestBin[d] <= 0) return Infinity;
    needed = Math.max(needed, Math.ceil(excess / largestBin[d] - EPSILON));
  }
  return needed;
}

/** The largest of the given rooms, per dimension (0 when there is none). */
export function largestRoom(rooms: readonly (readonly number[])[]): number[] {
  const largest = new Array<number>(REPACK_DIMENSIONS).fill(0);
  for (const room of rooms)
    for (let d = 0; d < REPACK_DIMENSIONS; d++)
      largest[d] = Math.max(largest[d], room[d]);
  return largest;
}

/** Mutable state of one packing in progress: room left, which bins are open, where items are. */
class Packing {
  readonly room: number[][];
  readonly open: boolean[];
  readonly load: number[];
  readonly binOf: number[];
  /** Members opened so far, per class. */
  private readonly openedInClass = new Map<number, number>();
  /** Summed room of the open bins, per dimension (for the lower bound). */
  readonly openRoom = new Array<number>(REPACK_DIMENSIONS).fill(0);
  opened = 0;

  constructor(private readonly problem: RepackProblem) {
    this.room = problem.bins.map((bin) => [...bin.room]);
    this.open = problem.bins.map((bin) => bin.inUse);
    this.load = problem.bins.map(() => 0);
    this.binOf = problem.items.map(() => -1);
    problem.bins.forEach((bin) => {
      if (bin.inUse) this.addRoom(bin.room, 1);
    });
  }

  fits(bin: number, item: number): boolean {
    if (!this.problem.bins[bin].eligible[item]) return false;
    const demand = this.problem.items[item].demand;
    const room = this.room[bin];
    for (let d = 0; d < REPACK_DIMENSIONS; d++)
      if (demand[d] > room[d] + EPSILON) return false;
    return true;
  }

  /** A closed bin may be opened when it is the next member of its class. */
  canOpen(bin: number): boolean {
    const { classId, rank, inUse } = this.problem.bins[bin];
    return (
      !inUse &&
      !this.open[bin] &&
      (this.openedInClass.get(classId) ?? 0) === rank
    );
  }

  put(bin: number, item: number): void {
    if (!this.open[bin]) {
      this.open[bin] = true;
      this.opened++;
      const classId = this.problem.bins[bin].classId;
      this.openedInClass.set(
        classId,
        (this.openedInClass.get(classId) ?? 0) + 1,
      );
      this.addRoom(this.room[bin], 1);
    }
    const demand = this.problem.items[item].demand;
    for (let d = 0; d < REPACK_DIMENSIONS; d++) {
      this.room[bin][d] -= demand[d];
      this.openRoom[d] -= demand[d];
    }
    this.load[bin]++;
    this.binOf[item] = bin;
  }

  /** Undoes the last `put` of `item`; a bin this search opened closes again when it empties. */
  take(bin: number, item: number): void {
    const demand = this.problem.items[item].demand;
    for (let d = 0; d < REPACK_DIMENSIONS; d++) {
      this.room[bin][d] += demand[d];
      this.openRoom[d] += demand[d];
    }
    this.load[bin]--;
    this.binOf[item] = -1;
    const { inUse, classId } = this.problem.bins[bin];
    if (!inUse && this.load[bin] === 0) {
      this.open[bin] = false;
      this.opened--;
      this.openedInClass.set(
        classId,
        (this.openedInClass.get(classId) ?? 1) - 1,
      );
      this.addRoom(this.room[bin], -1);
    }
  }

  /** binpack's score for the bin after the item: mean used share of cpu, memory, storage, nodes. */
  scoreAfter(bin: number, item: number): number {
    const { declared } = this.problem.bins[bin];
    const demand = this.problem.items[item].demand;
    let sum = 0;
    for (let d = 0; d < SCORED_DIMENSIONS; d++) {
      if (declared[d] > 0)
        sum += (declared[d] - this.room[bin][d] + demand[d]) / declared[d];
    }
    return sum / SCORED_DIMENSIONS;
  }

  solution(): RepackSolution {
    return { binOf: [...this.binOf], opened: this.opened };
  }

  private addRoom(room: readonly number[], sign: 1 | -1): void {
    for (let d = 0; d < REPACK_DIMENSIONS; d++)
      this.openRoom[d] += sign * room[d];
  }
}

/** Best bin by score among `bins` that pass `usable` and take the item; the first on equal scores. */
function bestBin(
  packing: Packing,
  binCount: number,
  item: number,
  usable: (bin: number) => boolean,
): number {
  let best = -1;
  let bestScore = -Infinity;
  for (let bin = 0; bin < binCount; bin++) {
    if (!usable(bin) || !packing.fits(bin, item)) continue;
    const score = packing.scoreAfter(bin, item);
    if (score > bestScore) {
      best = bin;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Largest first, each item onto the open bin binpack scores highest, opening the best-scoring
 * empty bin only when no open bin takes it (best-fit decreasing). Undefined when an item fits
 * nowhere in this order.
 */
export function largestFirstRepack(
  problem: RepackProblem,
): RepackSolution | undefined {
  const packing = new Packing(problem);
  const binCount = problem.bins.length;
  for (const item of largestFirstOrder(problem)) {
    let bin = bestBin(packing, binCount, item, (b) => packing.open[b]);
    if (bin < 0)
      bin = bestBin(packing, binCount, item, (b) => packing.canOpen(b));
    if (bin < 0) return undefined;
    packing.put(bin, item);
  }
  return packing.solution();
}

/**
 * Branch and bound for a packing that opens fewer than `fewerThan` bins, then fewer than the best
 * found, until the tree is exhausted (the best is then optimal) or the node budget is spent (the
 * best found so far). Items go largest first; each tries the open bins, then one empty bin per class.
 */
export function exactRepack(
  problem: RepackProblem,
  options: ExactRepackOptions,
): ExactRepack {
  const order = largestFirstOrder(problem);
  const binCount = problem.bins.length;
  const largestEmpty = largestRoom(
    problem.bins.filter((bin) => !bin.inUse).map((bin) => bin.room),
  );
  // Demand still to place from position p on, per dimension.
  const suffixDemand = order.map(() =>
    new Array<number>(REPACK_DIMENSIONS).fill(0),
  );
  suffixDemand.push(new Array<number>(REPACK_DIMENSIONS).fill(0));
  for (let p = order.length - 1; p >= 0; p--) {
    const demand = problem.items[order[p]].demand;
    for (let d = 0; d < REPACK_DIMENSIONS; d++)
      suffixDemand[p][d] = suffixDemand[p + 1][d] + demand[d];
  }

  const packing = new Packing(problem);
  let bound = options.fewerThan;
  let best: RepackSolution | undefined;
  let nodes = 0;

  const tryBin = (bin: number, item: number, position: number): boolean => {
    if (++nodes > options.nodeBudget) return false;
    packing.put(bin, item);
    const more = search(position + 1);
    packing.take(bin, item);
    return more;
  };

  // Returns false once the budget is spent (stop everything).
  const search = (position: number): boolean => {
    if (position === order.length) {
      bound = packing.opened;
      best = packing.solution();
      return true;
    }
    const needed = openingsLowerBound(
      suffixDemand[position],
      packing.openRoom,
      largestEmpty,
    );
    if (packing.opened + needed >= bound) return true;
    const item = order[position];
    // Open bins of one class with the same room left are interchangeable: try one of them.
    const tried = new Set<string>();
    for (let bin = 0; bin < binCount; bin++) {
      if (!packing.open[bin] || !packing.fits(bin, item)) continue;
      const { classId } = problem.bins[bin];
      if (classId >= 0) {
        const key = `${classId}:${packing.room[bin].join(',')}`;
        if (tried.has(key)) continue;
        tried.add(key);
      }
      if (!tryBin(bin, item, position)) return false;
      if (packing.opened >= bound) return true;
    }
    if (packing.opened + 1 >= bound) return true;
    for (let bin = 0; bin < binCount; bin++) {
      if (!packing.canOpen(bin) || !packing.fits(bin, item)) continue;
      if (!tryBin(bin, item, position)) return false;
      if (packing.opened + 1 >= bound) return true;
    }
    return true;
  };

  const budgetSpent = !search(0);
  return { best, nodes: Math.min(nodes, options.nodeBudget), budgetSpent };
}
