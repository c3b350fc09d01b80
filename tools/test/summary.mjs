// Prints the total of every jest run recorded in tmp/test-results, one line per project and kind,
// then the closing line CI reads: "N passed, N failed, N skipped".
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const dir = 'tmp/test-results';
const rows = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')))
  : [];
rows.sort((a, b) =>
  `${a.kind}${a.project}`.localeCompare(`${b.kind}${b.project}`),
);
let passed = 0,
  failed = 0,
  skipped = 0;
console.log('\nTest summary');
for (const r of rows) {
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  console.log(
    `  ${r.kind.padEnd(12)} ${r.project.padEnd(24)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(3)} failed ${String(r.skipped).padStart(3)} skipped`,
  );
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
