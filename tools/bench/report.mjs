// Collects tmp/bench/*.json into one table and tmp/bench/results.json.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const dir = 'tmp/bench';
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.json') && f !== 'results.json')
  .map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')));
const fmt = (n) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
console.log(
  '\nBenchmarks (figure | baseline measured in the same run | ratio, higher is better)',
);
for (const b of benches) {
  for (const r of b.rows) {
    console.log(
      `  ${b.bench.padEnd(12)} ${r.figure.padEnd(58)} ${fmt(r.value).padStart(9)} ${r.unit.padEnd(6)} | ${r.baseline.padEnd(40)} ${fmt(r.baselineValue).padStart(9)} | ${r.ratio.toFixed(2)}`,
    );
  }
}
writeFileSync(
  `${dir}/results.json`,
  JSON.stringify({ at: new Date().toISOString(), benches }, null, 2),
);
console.log(`\nwritten to ${dir}/results.json`);
