// Shared by every benchmark: measure, then report each figure beside a baseline measured in the
// same run on the same machine, as a ratio. Results go to stdout and tmp/bench/<bench>.json;
// `npm run bench` collects them all into one table (tools/bench/report.mjs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchRow {
  figure: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  /** value / baselineValue for throughputs; baselineValue / value for latencies (higher is better). */
  ratio: number;
  note?: string;
}

export function throughputRow(
  figure: string,
  value: number,
  baseline: string,
  baselineValue: number,
  note?: string,
): BenchRow {
  return {
    figure,
    value,
    unit: 'ops/s',
    baseline,
    baselineValue,
    ratio: value / baselineValue,
    note,
  };
}

export function latencyRow(
  figure: string,
  valueMs: number,
  baseline: string,
  baselineMs: number,
  note?: string,
): BenchRow {
  return {
    figure,
    value: valueMs,
    unit: 'ms',
    baseline,
    baselineValue: baselineMs,
    ratio: baselineMs / valueMs,
    note,
  };
}

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[
    Math.min(
      sorted.length - 1,
      Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
    )
  ];
}

/** Runs `task` over `count` items with at most `concurrency` in flight; returns ops/s. */
export async function runConcurrent(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

export function report(
  bench: string,
  rows: BenchRow[],
  context: Record<string, unknown> = {},
): void {
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
  console.log(`\n${bench}`);
  for (const r of rows) {
    console.log(
      `  ${r.figure.padEnd(58)} ${fmt(r.value).padStart(10)} ${r.unit.padEnd(6)} | ${r.baseline.padEnd(40)} ${fmt(r.baselineValue).padStart(10)} | ratio ${r.ratio.toFixed(2)}${r.note ? `  (${r.note})` : ''}`,
    );
  }
  const dir = join(__dirname, '../../tmp/bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${bench}.json`),
    JSON.stringify(
      {
        bench,
        at: new Date().toISOString(),
        node: process.version,
        context,
        rows,
      },
      null,
      2,
    ),
  );
}

export function rssMb(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}
