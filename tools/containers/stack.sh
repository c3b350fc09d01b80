#!/usr/bin/env bash
# The container test's steps, each the command a person runs (docs/readme-deploy.md shows them):
#   stack.sh prepare   podman's configuration under LCM_CONTAINERS_DIR; base images pulled or stood in
#   stack.sh build     every app image from docker/Dockerfile, and the demo's sim-cloud image
#   stack.sh up        the demo compose stack (docker/compose.yaml) with podman-compose, detached
#   stack.sh down      the stack stopped and removed, volumes included
# Settings: LCM_COMPOSE_PROJECT (default lcm), AUTH_JWT_SECRET, LCM_API_PORT, LCM_AUDIT_SINK_PORT.
# `prepare` prints the server images to use (LCM_ETCD_IMAGE=..., LCM_MONGO_IMAGE=...) and writes them
# to $LCM_CONTAINERS_DIR/images.env, which `up` reads.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=engine.sh
source tools/containers/engine.sh
engine_find || { echo "podman and podman-compose are required (tools/bootstrap/bootstrap.sh installs them)" >&2; exit 3; }
engine_configure
project=${LCM_COMPOSE_PROJECT:-lcm}
APPS=(api scheduler controller audit-sink)

case "${1:-}" in
  prepare)
    # shellcheck source=standins.sh
    source tools/containers/standins.sh
    ensure_node
    { ensure_etcd; ensure_mongo; } | tee "$LCM_CONTAINERS_DIR/images.env"
    ;;
  build)
    # The first app builds the shared `build` stage (all four apps); the others reuse its layers.
    # --format docker keeps the HEALTHCHECK (the OCI image format has none).
    for app in "${APPS[@]}"; do
      podman build --format docker -f docker/Dockerfile --build-arg APP="$app" -t "lcm/$app:latest" .
    done
    podman build --format docker -f docker/Dockerfile --target sim-cloud -t lcm/sim-cloud:latest .
    ;;
  up)
    set -a
    # shellcheck disable=SC1091
    [ -f "$LCM_CONTAINERS_DIR/images.env" ] && source "$LCM_CONTAINERS_DIR/images.env"
    set +a
    podman-compose -p "$project" -f docker/compose.yaml up -d --no-build
    ;;
  down)
    # The file requires AUTH_JWT_SECRET; taking the stack down uses none.
    AUTH_JWT_SECRET=${AUTH_JWT_SECRET:-$(openssl rand -hex 32)} podman-compose -p "$project" -f docker/compose.yaml down -v
    # podman-compose 1.0 leaves the project's network behind.
    if podman network exists "${project}_default"; then podman network rm "${project}_default" >/dev/null; fi
    ;;
  *)
    echo "usage: stack.sh prepare|build|up|down" >&2
    exit 2
    ;;
esac
