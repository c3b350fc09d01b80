#!/usr/bin/env bash
# npm start: bootstrap, then the embedded all-in-one process (TypeScript compiled on the fly by swc).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$root/tools/bootstrap/bootstrap.sh" start
[ -x "$root/.tools/node/bin/node" ] && export PATH="$root/.tools/node/bin:$PATH"
cd "$root"
export SWC_NODE_PROJECT="$root/tsconfig.base.json"
exec node -r @swc-node/register tools/embedded/main.ts "$@"
