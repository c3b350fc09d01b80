#!/usr/bin/env bash
# npm test: bootstrap this machine, then typecheck, lint, unit and integration tests of every project.
# Exits non-zero if anything fails. Servers for integration tests are started and stopped by the
# harness (libs/testing); nothing is left running.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false FORCE_COLOR=${FORCE_COLOR:-0}

bash tools/bootstrap/bootstrap.sh test || exit $?
# Node 24 from .tools when bootstrap provided it (the machine's Node is older than the floor).
[ -x .tools/node/bin/node ] && export PATH="$root/.tools/node/bin:$PATH"
echo "node $(node --version)"
rm -rf tmp/test-results

status=0
echo "== typecheck (tsc, whole workspace)"
npx tsc -p tsconfig.typecheck.json || status=1

echo "== format (prettier --check; npx prettier --write <files> fixes it)"
npx prettier --check --log-level warn . || status=1

targets=${LCM_TEST_TARGETS:-lint,test,integration,e2e}
echo "== nx run-many -t ${targets}"
# --skip-nx-cache: every project's tests really run and report (cached replays would not count).
npx nx run-many -t "${targets}" --parallel="${LCM_TEST_PARALLEL:-2}" --outputStyle=static --skip-nx-cache || status=1

node tools/test/summary.mjs
exit $status
