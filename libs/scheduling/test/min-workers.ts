// Brute-force oracle for the bin-packing property tests: the fewest identical workers that can
// hold every instance (vector bin packing over cpu, memory, storage, nodes and ports).
// Exponential, so only for the small cases the tests generate (<= 8 instances).

/** An instance's demand, or a worker's capacity, as a vector (same dimension order for both). */
export type Demand = readonly number[];

export function minWorkers(items: readonly Demand[], capacity: Demand): number {
  let best = items.length;
  const bins: number[][] = [];
  const place = (i: number): void => {
    if (bins.length >= best) return;
    if (i === items.length) {
      best = bins.length;
      return;
    }
    const item = items[i];
    for (const bin of bins) {
      if (bin.every((used, d) => used + item[d] <= capacity[d])) {
        bin.forEach((_, d) => (bin[d] += item[d]));
        place(i + 1);
        bin.forEach((_, d) => (bin[d] -= item[d]));
      }
    }
    bins.push([...item]);
    place(i + 1);
    bins.pop();
  };
  place(0);
  return best;
}
