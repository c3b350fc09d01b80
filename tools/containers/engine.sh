#!/usr/bin/env bash
# Sourced by the container scripts. Points podman at a configuration and an image store of the
# workspace's own (LCM_CONTAINERS_DIR, default .tools/containers), never at system files, with the
# settings this kind of machine needs (probed): runtime runc (crun refuses a hybrid cgroup layout),
# cgroup manager cgroupfs and a file events logger (no systemd), and ulimits within the host's hard limits.
# Sets: root, LCM_CONTAINERS_DIR, CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, engine (podman).

root=${root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LCM_CONTAINERS_DIR=${LCM_CONTAINERS_DIR:-$root/.tools/containers}
export LCM_CONTAINERS_DIR

engine_configure() {
  mkdir -p "$LCM_CONTAINERS_DIR/storage" "$LCM_CONTAINERS_DIR/run" "$LCM_CONTAINERS_DIR/tmp"
  cat >"$LCM_CONTAINERS_DIR/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$LCM_CONTAINERS_DIR/run/events.log"
tmp_dir = "$LCM_CONTAINERS_DIR/run/libpod"
image_copy_tmp_dir = "$LCM_CONTAINERS_DIR/tmp"
CONF
  cat >"$LCM_CONTAINERS_DIR/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$LCM_CONTAINERS_DIR/storage"
runroot = "$LCM_CONTAINERS_DIR/run/storage"
CONF
  export CONTAINERS_CONF="$LCM_CONTAINERS_DIR/containers.conf"
  export CONTAINERS_STORAGE_CONF="$LCM_CONTAINERS_DIR/storage.conf"
  export TMPDIR="$LCM_CONTAINERS_DIR/tmp"
}

# The engine: podman (Docker would do too, but this machine has no daemon). Returns 1 when absent.
engine_find() {
  if command -v podman >/dev/null 2>&1 && command -v podman-compose >/dev/null 2>&1; then
    engine=podman
    return 0
  fi
  return 1
}
