#!/usr/bin/env bash
# npm run bench: every tools/bench/*.bench.ts in turn (real servers from the test harness), then one
# table of all figures with their same-run baselines and ratios (also in tmp/bench/results.json).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bash tools/bootstrap/bootstrap.sh test || exit $?
[ -x .tools/node/bin/node ] && export PATH="$root/.tools/node/bin:$PATH"
export SWC_NODE_PROJECT="$root/tsconfig.base.json"
rm -rf tmp/bench && mkdir -p tmp/bench
status=0
for bench in tools/bench/*.bench.ts; do
  if [ -n "${BENCH_ONLY:-}" ] && [[ "$bench" != *"$BENCH_ONLY"* ]]; then continue; fi
  echo "== $bench"
  node -r @swc-node/register "$bench" || status=1
done
node tools/bench/report.mjs
exit $status
