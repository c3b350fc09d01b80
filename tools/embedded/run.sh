#!/usr/bin/env bash
# npm start: bootstrap, then the embedded all-in-one process (TypeScript compiled on the fly by swc).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$root/tools/bootstrap/bootstrap.sh" start
[ -x "$root/.tools/node/bin/node" ] && export PATH="$root/.tools/node/bin:$PATH"
cd "$root"
export SWC_NODE_PROJECT="$root/tsconfig.base.json"
# npm's `sh -c` execs this script (package.json: `exec bash ...`) and this script execs node, so npm's
# child is LCM itself and npm passes SIGINT and SIGTERM on to it. Should npm die without passing one
# on (SIGKILL), LCM stops when it sees its parent gone.
export LCM_STOP_WITH_PARENT=1
exec node -r @swc-node/register tools/embedded/main.ts "$@"
