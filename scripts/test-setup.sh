#!/usr/bin/env bash
# Installs the test-only tools the browser and HTML tests use, from the npm
# registry into .cache (git-ignored): axe-core into .cache/axe, and the Nu HTML
# checker (vnu-jar) into .cache/vnu. Chromium and Java come from Debian:
#   apt-get update && apt-get install -y chromium default-jre-headless
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_VERSION=4.14.1
dest=.cache/axe
if [ -f "$dest/node_modules/axe-core/axe.min.js" ] && grep -q "\"version\": \"$AXE_VERSION\"" "$dest/node_modules/axe-core/package.json"; then
  echo "axe-core $AXE_VERSION already installed"
else
  mkdir -p "$dest"
  npm install --prefix "$dest" --no-save --no-audit --no-fund --silent "axe-core@$AXE_VERSION"
  echo "axe-core $AXE_VERSION installed in $dest"
fi

# The Nu HTML checker: handlers/validhtml_test.go runs it on every page type.
VNU_VERSION=26.9.27
dest=.cache/vnu
if [ -f "$dest/node_modules/vnu-jar/build/dist/vnu.jar" ] && grep -q "\"version\": \"$VNU_VERSION\"" "$dest/node_modules/vnu-jar/package.json"; then
  echo "vnu-jar $VNU_VERSION already installed"
else
  mkdir -p "$dest"
  npm install --prefix "$dest" --no-save --no-audit --no-fund --silent --ignore-scripts "vnu-jar@$VNU_VERSION"
  echo "vnu-jar $VNU_VERSION installed in $dest"
fi
command -v java >/dev/null || echo "Java is missing: apt-get install -y default-jre-headless" >&2
