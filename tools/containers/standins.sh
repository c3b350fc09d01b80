#!/usr/bin/env bash
# Base images for the container test when public registries cannot be reached: each is pulled when
# possible and otherwise made on this machine, once (an image that exists is kept: the cache).
#   - debian:bookworm            debootstrap minbase from the mirror apt is configured with, imported
#   - node:24-bookworm-slim      on it: Node and npm from the npm registry's packages (the versions of
#                                tools/bootstrap/node.sh) and its headers, user node (1000), the host's
#                                CA bundle trusted
#   - lcm-standin/etcd           Debian's etcd-server and etcd-client
#   - lcm-standin/mongo          the MongoDB wire protocol by the project's FerretDB wrapper (SQLite)
# The package registries are reached through a TLS-intercepting proxy whose CA is in the host's store:
# every stand-in carries the host's /etc/ssl/certs/ca-certificates.crt (NODE_EXTRA_CA_CERTS for Node).
# Sourced after engine.sh. Prints the images the compose stack must use (LCM_ETCD_IMAGE, LCM_MONGO_IMAGE).
set -euo pipefail

STANDIN_DEBIAN=docker.io/library/debian:bookworm
STANDIN_NODE=docker.io/library/node:24-bookworm-slim
STANDIN_ETCD=localhost/lcm-standin/etcd:bookworm
STANDIN_MONGO=localhost/lcm-standin/mongo:ferretdb
REAL_ETCD=quay.io/coreos/etcd:v3.5.17
REAL_MONGO=docker.io/library/mongo:7.0

say() { echo "[containers] $*" >&2; }
image_exists() { podman image exists "$1"; }
# A pull bounded in time: against unreachable registries podman would retry for minutes.
try_pull() { timeout "${LCM_PULL_TIMEOUT:-25}" podman pull -q "$1" >/dev/null 2>&1; }

apt_mirror() {
  local uri
  uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    grep -v security | head -1 | sed -E 's/^URIs: *//; s/^deb (\[[^]]*\] )?//' | awk '{print $1}')
  echo "${uri:-http://deb.debian.org/debian}"
}

host_ca_bundle() {
  local ca=/etc/ssl/certs/ca-certificates.crt
  [ -s "$ca" ] || { say "no CA bundle at $ca"; return 1; }
  echo "$ca"
}

ensure_debian() {
  image_exists "$STANDIN_DEBIAN" && return 0
  try_pull "$STANDIN_DEBIAN" && return 0
  command -v debootstrap >/dev/null || { say "debootstrap is missing (tools/bootstrap/bootstrap.sh installs it)"; return 1; }
  local dir="$LCM_CONTAINERS_DIR/tmp/debian-rootfs" mirror; mirror=$(apt_mirror)
  say "registry unreachable: making $STANDIN_DEBIAN by debootstrap (minbase) from $mirror"
  # A mirror that drops one download fails debootstrap as a whole: up to three attempts.
  local attempt
  for attempt in 1 2 3; do
    rm -rf "$dir"
    debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$LCM_CONTAINERS_DIR/tmp/debootstrap.log" 2>&1 && break
    if [ "$attempt" = 3 ]; then tail -20 "$LCM_CONTAINERS_DIR/tmp/debootstrap.log" >&2; return 1; fi
    say "debootstrap attempt $attempt failed; trying again"
  done
  mkdir -p "$dir/etc/ssl/certs" && cp "$(host_ca_bundle)" "$dir/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" --numeric-owner -c . | podman import --change 'CMD ["bash"]' - "$STANDIN_DEBIAN" >/dev/null
  rm -rf "$dir"
}

# A build context directory with a Containerfile, deleted after the build.
build_standin() {
  local tag=$1 ctx=$2
  podman build -q --layers -t "$tag" "$ctx" >/dev/null || { rm -rf "$ctx"; return 1; }
  rm -rf "$ctx"
}

ensure_node() {
  image_exists "$STANDIN_NODE" && return 0
  try_pull "$STANDIN_NODE" && return 0
  ensure_debian
  # shellcheck source=../bootstrap/node.sh
  source "$root/tools/bootstrap/node.sh"
  local pkg ctx; pkg=$(node_platform_package); ctx=$(mktemp -d "$LCM_CONTAINERS_DIR/tmp/node.XXXX")
  say "registry unreachable: making $STANDIN_NODE (Node $LCM_NODE_VERSION, npm $LCM_NPM_VERSION from the npm registry)"
  (cd "$ctx" && npm pack --silent "$pkg@$LCM_NODE_VERSION" "npm@$LCM_NPM_VERSION" >/dev/null)
  mkdir -p "$ctx/node/bin" "$ctx/node/lib/node_modules/npm"
  tar -xzf "$ctx/$pkg-$LCM_NODE_VERSION.tgz" -C "$ctx" && cp "$ctx/package/bin/node" "$ctx/node/bin/node"
  # The headers, as in the official image (/usr/local/include/node): native modules build against them.
  cp -r "$ctx/package/include" "$ctx/node/include"
  tar -xzf "$ctx/npm-$LCM_NPM_VERSION.tgz" -C "$ctx/node/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/node/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/node/bin/npx"
  rm -rf "$ctx/package" "$ctx"/*.tgz
  cp "$(host_ca_bundle)" "$ctx/ca-certificates.crt"
  cat >"$ctx/Containerfile" <<CONTAINERFILE
FROM $STANDIN_DEBIAN
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY node/ /usr/local/
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_VERSION=$LCM_NODE_VERSION NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
CONTAINERFILE
  build_standin "$STANDIN_NODE" "$ctx"
}

ensure_etcd() {
  if image_exists "$REAL_ETCD" || try_pull "$REAL_ETCD"; then echo "LCM_ETCD_IMAGE=$REAL_ETCD"; return 0; fi
  if ! image_exists "$STANDIN_ETCD"; then
    ensure_debian
    say "registry unreachable: making $STANDIN_ETCD from Debian's etcd-server"
    local ctx; ctx=$(mktemp -d "$LCM_CONTAINERS_DIR/tmp/etcd.XXXX")
    cat >"$ctx/Containerfile" <<CONTAINERFILE
FROM $STANDIN_DEBIAN
RUN apt-get update && apt-get install -y --no-install-recommends etcd-server etcd-client && rm -rf /var/lib/apt/lists/*
ENV ETCDCTL_API=3
CMD ["etcd"]
CONTAINERFILE
    build_standin "$STANDIN_ETCD" "$ctx"
  fi
  echo "LCM_ETCD_IMAGE=$STANDIN_ETCD"
}

ensure_mongo() {
  if image_exists "$REAL_MONGO" || try_pull "$REAL_MONGO"; then echo "LCM_MONGO_IMAGE=$REAL_MONGO"; return 0; fi
  if ! image_exists "$STANDIN_MONGO"; then
    ensure_debian
    local ferretdb="$root/.tools/bin/ferretdb"
    [ -x "$ferretdb" ] || { say "no $ferretdb (tools/bootstrap/bootstrap.sh builds it from tools/ferretdb)"; return 1; }
    say "registry unreachable: making $STANDIN_MONGO from the FerretDB wrapper (tools/ferretdb)"
    local ctx; ctx=$(mktemp -d "$LCM_CONTAINERS_DIR/tmp/mongo.XXXX")
    cp "$ferretdb" "$ctx/ferretdb"
    cat >"$ctx/Containerfile" <<CONTAINERFILE
FROM $STANDIN_DEBIAN
COPY ferretdb /usr/local/bin/ferretdb
EXPOSE 27017
CMD ["ferretdb", "-listen-addr", "0.0.0.0:27017", "-data-dir", "/data/db"]
CONTAINERFILE
    build_standin "$STANDIN_MONGO" "$ctx"
  fi
  echo "LCM_MONGO_IMAGE=$STANDIN_MONGO"
}
