#!/usr/bin/env bash
# Installs the test-only tools the browser tests use: axe-core from the npm
# registry into .cache/axe (git-ignored). Chromium comes from Debian:
#   apt-get update && apt-get install -y chromium
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_VERSION=4.14.1
dest=.cache/axe
if [ -f "$dest/node_modules/axe-core/axe.min.js" ] && grep -q "\"version\": \"$AXE_VERSION\"" "$dest/node_modules/axe-core/package.json"; then
  echo "axe-core $AXE_VERSION already installed"
  exit 0
fi
mkdir -p "$dest"
npm install --prefix "$dest" --no-save --no-audit --no-fund --silent "axe-core@$AXE_VERSION"
echo "axe-core $AXE_VERSION installed in $dest"
