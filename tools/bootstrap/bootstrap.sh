#!/usr/bin/env bash
# Installs what LCM needs on this machine, and nothing when it is already there (quiet, a few seconds).
#
#   bootstrap.sh start   what `npm start` (the embedded all-in-one) uses: Node >= 22 and node_modules
#   bootstrap.sh test    (default) also the real servers and tools the test suite drives:
#     - etcd:       Debian's etcd-server when no `etcd` is on PATH and we are root
#     - ferretdb:   tools/ferretdb (FerretDB embedded, SQLite backend) built into .tools/bin when Go exists
#     - python:     tools/bootstrap/requirements.txt (moto, virl2-client, schemathesis) in .tools/venv
#     - chromium:   Debian's chromium for the console's browser tests (driven by playwright-core)
#     - helm:       built from the Go module proxy into .tools/bin
#     - podman:     Debian's podman, podman-compose and debootstrap for the container test
#
# Sourced by tools/test/run.sh and tools/embedded/run.sh, so `.tools/node/bin` (Node 24 where the
# machine's Node is older) stays first on their PATH. Servers are never left running: the test harness
# and `npm start` start their own.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
say() { echo "bootstrap: $*" >&2; }
# shellcheck source=node.sh
source "$root/tools/bootstrap/node.sh"

# apt-get install without starting any service the package ships (we run our own processes).
apt_install() {
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    say "cannot install $* (need root and apt-get): install them by hand"; return 1
  fi
  say "installing Debian's $*"
  local policy=/usr/sbin/policy-rc.d added_policy="" rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && added_policy=1
  fi
  if [ -z "${LCM_APT_UPDATED:-}" ]; then
    apt-get update -qq > /tmp/lcm-bootstrap-apt.log 2>&1 || rc=$?
    LCM_APT_UPDATED=1
  fi
  [ "$rc" = 0 ] && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } \
    >> /tmp/lcm-bootstrap-apt.log 2>&1 || rc=$?
  [ -n "$added_policy" ] && rm -f "$policy"
  if [ "$rc" != 0 ]; then
    say "apt-get failed (see /tmp/lcm-bootstrap-apt.log)"; tail -n 5 /tmp/lcm-bootstrap-apt.log >&2
  fi
  return "$rc"
}

ensure_node_modules() {
  # Installed for this Node and this lock's content (a fresh checkout's newer lock file is no change).
  local stamp
  stamp="$(node --version) $(node -e "process.stdout.write(require('crypto').createHash('sha256').update(require('fs').readFileSync('package-lock.json')).digest('hex'))")"
  if [ -d node_modules ] && { [ "$(cat node_modules/.lcm-lock 2>/dev/null)" = "$stamp" ] \
    || { [ node_modules/.package-lock.json -nt package-lock.json ] \
      && [ "$(cat node_modules/.lcm-node 2>/dev/null)" = "$(node --version)" ]; }; }; then return 0; fi
  # npm ci empties the directory a link points to: a shared install is updated where it lives.
  if [ -L node_modules ]; then
    say "node_modules links to a shared install ($(readlink node_modules)) that may be out of date: not reinstalling it from here"
    return 0
  fi
  say "npm ci (node $(node --version))"
  npm ci --no-audit --no-fund --loglevel=error >&2
  node --version > node_modules/.lcm-node
  echo "$stamp" > node_modules/.lcm-lock
  touch node_modules/.package-lock.json
}

ensure_etcd() {
  if command -v etcd >/dev/null 2>&1 || [ -n "${ETCD_ENDPOINTS:-}" ]; then return 0; fi
  apt_install etcd-server etcd-client || return 0
  # If a service manager started it anyway, stop it: the default data dir belongs to the distro service.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
    systemctl stop etcd || true; systemctl disable etcd >/dev/null 2>&1 || true
  fi
  say "etcd $(etcd --version | head -n 1 | awk '{print $3}') installed"
}

# Builds a Go program of tools/ into .tools/bin when Go exists and the binary is missing or older than its source.
ensure_go_tool() {
  local src=$1 bin=$2
  if [ -x "$bin" ] && [ -z "$(find "$src" -newer "$bin" -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) 2>/dev/null)" ]; then
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    say "no Go toolchain: cannot build $bin; install Go 1.24+"
    return 0
  fi
  say "building $bin from $src; the first build downloads modules and takes a minute or two"
  mkdir -p .tools/bin
  (cd "$src" && GOFLAGS=-mod=readonly go build -trimpath -o "$root/$bin.tmp" .)
  mv "$root/$bin.tmp" "$root/$bin"
}

ensure_ferretdb() {
  if [ -n "${MONGODB_URI:-}" ]; then return 0; fi
  ensure_go_tool tools/ferretdb .tools/bin/ferretdb
}

ensure_python_tools() {
  local venv=.tools/venv req=tools/bootstrap/requirements.txt
  if [ -x "$venv/bin/python" ] && [ "$venv/.installed" -nt "$req" ]; then return 0; fi
  local py; py=$(command -v python3 || true)
  if [ -z "$py" ]; then say "no python3: cannot install $req"; return 0; fi
  say "installing $req into $venv"
  "$py" -m venv "$venv" 2>/dev/null || { apt_install python3-venv && "$py" -m venv "$venv"; } || return 0
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  touch "$venv/.installed"
}

ensure_chromium() {
  if command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ]; then return 0; fi
  apt_install chromium fonts-dejavu-core || return 0
}

LCM_HELM_VERSION=v4.3.2
ensure_helm() {
  local bin=.tools/bin/helm
  if [ -x "$bin" ] && "$bin" version --short 2>/dev/null | grep -q "^$LCM_HELM_VERSION"; then return 0; fi
  if ! command -v go >/dev/null 2>&1; then say "no Go toolchain: cannot build helm"; return 0; fi
  say "building helm $LCM_HELM_VERSION from the Go module proxy into $bin"
  mkdir -p .tools/bin
  GOBIN="$root/.tools/bin" go install -trimpath \
    -ldflags "-X helm.sh/helm/v4/internal/version.version=$LCM_HELM_VERSION" \
    "helm.sh/helm/v4/cmd/helm@$LCM_HELM_VERSION" >&2
}

ensure_podman() {
  local missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman runc uidmap fuse-overlayfs slirp4netns containernetworking-plugins)
  command -v podman-compose >/dev/null 2>&1 || missing+=(podman-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  # Name resolution between the containers of a compose network (podman's CNI backend): the dnsname plugin.
  [ -e /usr/lib/cni/dnsname ] || missing+=(golang-github-containernetworking-plugin-dnsname)
  [ ${#missing[@]} = 0 ] || apt_install "${missing[@]}" || return 0
}

mode=${1:-test}
ensure_node
ensure_node_modules
if [ "$mode" = test ]; then
  ensure_etcd
  ensure_ferretdb
  ensure_python_tools
  ensure_chromium
  ensure_helm
  ensure_podman
fi
