// Self time of a .cpuprofile by package / module and by function, after skipping the first
// argv[3] seconds (start-up). Used with tools/bench/profile-api.ts.
import { readFileSync } from 'node:fs';
const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const dt = profile.timeDeltas;
let total = 0;
const counts = new Map();
const skip = Number(process.argv[3] ?? 0) * 1e6;
let at = 0;
profile.samples.forEach((id, i) => {
  at += dt[i] ?? 0;
  if (at < skip) return;
  counts.set(id, (counts.get(id) ?? 0) + (dt[i] ?? 0));
  total += dt[i] ?? 0;
});
const bucket = (n) => {
  const u = n.callFrame.url || '';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return m[1];
  if (u.includes('/libs/')) return 'libs/' + u.split('/libs/')[1].split('/')[0];
  if (u.includes('/apps/')) return 'apps/' + u.split('/apps/')[1].split('/')[0];
  if (u.startsWith('node:')) return u;
  return n.callFrame.functionName.startsWith('(')
    ? n.callFrame.functionName
    : u
      ? 'other'
      : '(native) ' + n.callFrame.functionName;
};
const byBucket = new Map();
const byFn = new Map();
for (const [id, t] of counts) {
  const n = byId.get(id);
  const b = bucket(n);
  byBucket.set(b, (byBucket.get(b) ?? 0) + t);
  const f = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`;
  byFn.set(f, (byFn.get(f) ?? 0) + t);
}
const show = (m, k) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .forEach(([name, t]) =>
      console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${name}`),
    );
console.log('self time by package/module');
show(byBucket, 20);
console.log('\nself time by function');
show(byFn, 25);
