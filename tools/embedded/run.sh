#!/usr/bin/env bash
# npm start: bootstrap, then the embedded all-in-one process (TypeScript compiled on the fly by swc).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$root/tools/bootstrap/bootstrap.sh" start
[ -x "$root/.tools/node/bin/node" ] && export PATH="$root/.tools/node/bin:$PATH"
cd "$root"
# The web console the api serves at /console: built (Vite, a few seconds) when missing or older than its source.
if [ -z "${CONSOLE_DIR:-}" ] && { [ ! -f dist/apps/console/index.html ] \
  || [ -n "$(find apps/console/src apps/console/index.html -newer dist/apps/console/index.html -type f 2>/dev/null | head -n 1)" ]; }; then
  echo "LCM: building the web console (dist/apps/console)" >&2
  npx tsc -p apps/console/tsconfig.json && npx vite build --config apps/console/vite.config.mts --logLevel error >&2 \
    || echo "LCM: the console could not be built; the api answers /console with how to build it" >&2
fi
export SWC_NODE_PROJECT="$root/tsconfig.base.json"
# npm's `sh -c` execs this script (package.json: `exec bash ...`) and this script execs node, so npm's
# child is LCM itself and npm passes SIGINT and SIGTERM on to it. Should npm die without passing one
# on (SIGKILL), LCM stops when it sees its parent gone.
export LCM_STOP_WITH_PARENT=1
# The app images' node flags (docker/Dockerfile's CMD; see node-flags.sh).
node_flags=$(bash tools/embedded/node-flags.sh)
# shellcheck disable=SC2086 # one word per flag
exec node $node_flags -r @swc-node/register tools/embedded/main.ts "$@"
