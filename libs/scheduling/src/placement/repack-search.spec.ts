import fc from 'fast-check';
import { minWorkers } from '../../test/min-workers';
import {
  exactRepack,
  largestFirstOrder,
  largestFirstRepack,
  openingsLowerBound,
  type RepackBin,
  type RepackProblem,
} from './repack-search';

const CAPACITY = [16, 16, 16, 16, 16];

/** `units` sixteenths of a bin in every dimension (a one-dimensional problem). */
function item(units: number): { demand: number[] } {
  return { demand: [units, units, units, units, units] };
}

/** As many identical empty bins as items: one class, members opened in rank order. */
function emptyBins(count: number, items: number): RepackBin[] {
  return Array.from({ length: count }, (_, rank) => ({
    room: CAPACITY,
    declared: CAPACITY.slice(0, 4),
    eligible: new Array<boolean>(items).fill(true),
    inUse: false,
    classId: 0,
    rank,
  }));
}

function problemOf(units: readonly number[]): RepackProblem {
  return {
    items: units.map(item),
    bins: emptyBins(units.length, units.length),
  };
}

describe('repack search', () => {
  it('orders items largest first by dominant share, keeping queue order on ties', () => {
    const problem: RepackProblem = {
      items: [
        { demand: [2, 1, 1, 1, 0] },
        { demand: [1, 1, 1, 1, 8] },
        { demand: [2, 1, 1, 1, 0] },
      ],
      bins: emptyBins(1, 3),
    };
    expect(largestFirstOrder(problem)).toEqual([1, 0, 2]);
  });

  it('finds 2 bins for 7, 6, 5, 5, 5, 4 sixteenths where largest first (best fit) needs 3', () => {
    const problem = problemOf([7, 6, 5, 5, 5, 4]);
    expect(largestFirstRepack(problem)?.opened).toBe(3);
    const exact = exactRepack(problem, { fewerThan: 3, nodeBudget: 10_000 });
    expect(exact.best?.opened).toBe(2);
    expect(exact.budgetSpent).toBe(false);
    // 7 + 5 + 4 and 6 + 5 + 5.
    const bins = new Map<number, number[]>();
    exact.best?.binOf.forEach((bin, i) =>
      bins.set(bin, [...(bins.get(bin) ?? []), [7, 6, 5, 5, 5, 4][i]]),
    );
    expect([...bins.values()].map((b) => b.reduce((a, c) => a + c, 0))).toEqual(
      [16, 16],
    );
  });

  it('never tries more placements than its node budget, and then keeps the best found so far', () => {
    // Ten random vectors whose optimum is 5 bins: proving that 4 cannot do takes ~280 placements.
    const demands = [
      [7, 8, 2, 2, 3],
      [10, 3, 7, 1, 2],
      [1, 9, 1, 2, 1],
      [3, 7, 1, 6, 9],
      [4, 1, 3, 10, 1],
      [7, 1, 1, 1, 4],
      [8, 7, 7, 7, 8],
      [9, 2, 1, 1, 6],
      [5, 2, 8, 4, 9],
      [7, 4, 2, 10, 4],
    ];
    const problem: RepackProblem = {
      items: demands.map((demand) => ({ demand })),
      bins: emptyBins(demands.length, demands.length),
    };
    expect(minWorkers(demands, CAPACITY)).toBe(5);
    const unlimited = exactRepack(problem, {
      fewerThan: 5,
      nodeBudget: 1_000_000,
    });
    expect(unlimited).toMatchObject({ best: undefined, budgetSpent: false });
    expect(unlimited.nodes).toBeGreaterThan(50);

    const cut = exactRepack(problem, { fewerThan: 5, nodeBudget: 50 });
    expect(cut).toEqual({ best: undefined, nodes: 50, budgetSpent: true });
    // Asked for anything better than one bin each, it has a packing long before the budget ends.
    const early = exactRepack(problem, { fewerThan: 11, nodeBudget: 50 });
    expect(early.budgetSpent).toBe(true);
    expect(early.best?.opened).toBeLessThan(11);
  });

  it('uses a worker in use before opening an empty one', () => {
    const problem: RepackProblem = {
      items: [item(4)],
      bins: [
        {
          room: [8, 8, 8, 8, 8],
          declared: CAPACITY.slice(0, 4),
          eligible: [true],
          inUse: true,
          classId: -1,
          rank: 0,
        },
        ...emptyBins(1, 1),
      ],
    };
    expect(largestFirstRepack(problem)).toEqual({ binOf: [0], opened: 0 });
    expect(
      exactRepack(problem, { fewerThan: 1, nodeBudget: 100 }).best,
    ).toEqual({ binOf: [0], opened: 0 });
  });

  it('respects eligibility: an item goes only where it may', () => {
    const problem: RepackProblem = {
      items: [item(1), item(1)],
      bins: [
        { ...emptyBins(1, 2)[0], eligible: [true, false], classId: 0 },
        { ...emptyBins(1, 2)[0], eligible: [false, true], classId: 1 },
      ],
    };
    expect(
      exactRepack(problem, { fewerThan: 3, nodeBudget: 100 }).best,
    ).toEqual({ binOf: [0, 1], opened: 2 });
  });

  it('bounds the openings from below, dimension by dimension', () => {
    expect(
      openingsLowerBound([20, 4, 0, 0, 0], [4, 4, 0, 0, 0], CAPACITY),
    ).toBe(1);
    expect(
      openingsLowerBound([40, 4, 0, 0, 0], [4, 4, 0, 0, 0], CAPACITY),
    ).toBe(3);
    expect(openingsLowerBound([4, 4, 0, 0, 0], [4, 4, 0, 0, 0], CAPACITY)).toBe(
      0,
    );
    expect(
      openingsLowerBound([0, 0, 0, 0, 2], [0, 0, 0, 0, 0], [16, 16, 16, 16, 0]),
    ).toBe(Infinity);
  });

  it('with identical empty bins, finds the brute-force optimum (random vectors)', () => {
    const vectorArb = fc.array(fc.integer({ min: 1, max: 10 }), {
      minLength: 5,
      maxLength: 5,
    });
    fc.assert(
      fc.property(
        fc.array(vectorArb, { minLength: 1, maxLength: 8 }),
        (demands) => {
          const problem: RepackProblem = {
            items: demands.map((demand) => ({ demand })),
            bins: emptyBins(demands.length, demands.length),
          };
          const exact = exactRepack(problem, {
            fewerThan: demands.length + 1,
            nodeBudget: 1_000_000,
          });
          expect(exact.budgetSpent).toBe(false);
          expect(exact.best?.opened).toBe(minWorkers(demands, CAPACITY));
        },
      ),
      { numRuns: 300 },
    );
  });
});
