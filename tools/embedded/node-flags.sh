#!/usr/bin/env bash
# Prints the Node flags npm start's all-in-one process runs with: those of the app images (the
# `CMD ["node", ..., "main.js"]` line of docker/Dockerfile, their one home), but the old-generation
# cap (--max-old-space-size), which is sized for one app while this process runs all four.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cmd=$(sed -n 's/^CMD \["node", \(.*\), "main\.js"\]$/\1/p' "$root/docker/Dockerfile")
if [ -z "$cmd" ]; then
  echo 'docker/Dockerfile has no CMD ["node", ..., "main.js"] line to take the node flags from' >&2
  exit 1
fi
flags=()
for flag in $(tr -d '",' <<<"$cmd"); do
  [[ "$flag" == --max-old-space-size=* ]] || flags+=("$flag")
done
echo "${flags[*]}"
