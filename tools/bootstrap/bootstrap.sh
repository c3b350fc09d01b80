#!/usr/bin/env bash
# Installs what LCM needs on this machine, and nothing when it is already there (quiet, a few seconds).
#   - etcd:      Debian's etcd-server when no `etcd` is on PATH and we are root
#   - ferretdb:  tools/ferretdb (FerretDB embedded, SQLite backend) built into .tools/bin when Go exists
#   - node deps: `npm ci` when node_modules is missing or older than package-lock.json
# Servers are never left running: the test harness and `npm start` start their own.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
say() { echo "bootstrap: $*" >&2; }

ensure_etcd() {
  if command -v etcd >/dev/null 2>&1; then return 0; fi
  if [ -n "${ETCD_ENDPOINTS:-}" ]; then return 0; fi
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    say "no etcd on PATH and cannot install it (need root and apt-get): install etcd 3.4+ or set ETCD_ENDPOINTS"
    return 0
  fi
  say "installing Debian's etcd-server"
  # Keep the package's service from starting: we run our own etcd processes.
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && added_policy=1
  fi
  local rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server etcd-client; } \
    > /tmp/lcm-bootstrap-apt.log 2>&1 || rc=$?
  [ -n "$added_policy" ] && rm -f "$policy"
  if [ "$rc" != 0 ]; then
    say "apt-get failed (see /tmp/lcm-bootstrap-apt.log)"; tail -n 5 /tmp/lcm-bootstrap-apt.log >&2; return "$rc"
  fi
  # If a service manager started it anyway, stop it: the default data dir belongs to the distro service.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
    systemctl stop etcd || true; systemctl disable etcd >/dev/null 2>&1 || true
  fi
  say "etcd $(etcd --version | head -n 1 | awk '{print $3}') installed"
}

ensure_ferretdb() {
  local src=tools/ferretdb bin=.tools/bin/ferretdb
  if [ -n "${MONGODB_URI:-}" ]; then return 0; fi
  if [ -x "$bin" ] && [ -z "$(find "$src" -newer "$bin" -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) 2>/dev/null)" ]; then
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    say "no Go toolchain: cannot build the FerretDB server; set MONGODB_URI or install Go 1.24+"
    return 0
  fi
  say "building $bin (FerretDB, SQLite backend); the first build downloads modules and takes a minute or two"
  mkdir -p .tools/bin
  (cd "$src" && GOFLAGS=-mod=readonly go build -trimpath -o "$root/$bin.tmp" .)
  mv "$root/$bin.tmp" "$root/$bin"
}

ensure_node_modules() {
  if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then return 0; fi
  say "npm ci"
  # npm 11 can refuse `npm ci` over platform-specific optional packages it left out of the lock
  # (EUSAGE "Missing: ... from lock file"); installing from the same lock without saving is equivalent.
  if ! npm ci --no-audit --no-fund --loglevel=error >&2; then
    say "npm ci refused the lock file; installing from it with npm install --no-save"
    npm install --no-save --no-audit --no-fund --loglevel=error >&2
  fi
  touch node_modules/.package-lock.json
}

ensure_node_modules
ensure_etcd
ensure_ferretdb
