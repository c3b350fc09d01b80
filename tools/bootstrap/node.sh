#!/usr/bin/env bash
# Sourced by bootstrap.sh. Provides Node 24 LTS under .tools/node when the machine's Node is older than
# the project's floor (22), from the npm registry's official binary packages (node-<os>-<arch>) and
# npm itself from the registry, so development, tests and images all run one Node line.
# After it, `.tools/node/bin` is first on PATH for the caller (npm start, npm test).

LCM_NODE_VERSION=24.22.3   # Node 24 LTS; keep in step with docker/Dockerfile
LCM_NPM_VERSION=11.21.2
LCM_NODE_FLOOR=22

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

node_platform_package() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;; Darwin) os=darwin ;; MINGW*|MSYS*|CYGWIN*) os=win ;; *) return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) return 1 ;;
  esac
  echo "node-${os}-${arch}"
}

ensure_node() {
  local dir="$root/.tools/node"
  if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" --version)" = "v$LCM_NODE_VERSION" ]; then
    export PATH="$dir/bin:$PATH"; return 0
  fi
  if [ "$(node_major node)" -ge "$LCM_NODE_FLOOR" ]; then return 0; fi
  local pkg; pkg=$(node_platform_package) || { say "no Node binary package for $(uname -sm): install Node >= $LCM_NODE_FLOOR"; return 1; }
  say "Node $(node --version 2>/dev/null || echo none) is older than $LCM_NODE_FLOOR: installing Node $LCM_NODE_VERSION into .tools/node from the npm registry ($pkg)"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$pkg@$LCM_NODE_VERSION" "npm@$LCM_NPM_VERSION" >/dev/null) || { rm -rf "$tmp"; say "npm pack of $pkg failed"; return 1; }
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/lib/node_modules/npm" "$dir.tmp/bin"
  tar -xzf "$tmp/$pkg-$LCM_NODE_VERSION.tgz" -C "$tmp"
  cp "$tmp/package/bin/node" "$dir.tmp/bin/node"
  tar -xzf "$tmp/npm-$LCM_NPM_VERSION.tgz" -C "$dir.tmp/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir.tmp/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir.tmp/bin/npx"
  rm -rf "$tmp" "$dir" && mv "$dir.tmp" "$dir"
  export PATH="$dir/bin:$PATH"
  say "node $(node --version), npm $(npm --version)"
}
