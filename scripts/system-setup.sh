#!/usr/bin/env bash
# Installs the system packages the tests need, only those missing (Debian or
# Ubuntu): Chromium for the browser journeys (chromedp), a Java runtime for
# the Nu HTML checker (vnu). Run by `make test`; a machine that has both
# does nothing here. Needs root or sudo only when something is missing.
set -euo pipefail

missing=()
have_browser=""
for name in chromium chromium-browser google-chrome google-chrome-stable headless-shell; do
  if command -v "$name" >/dev/null 2>&1; then have_browser=$name; break; fi
done
[ -n "$have_browser" ] || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages present: $have_browser, $(command -v java)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing: ${missing[*]}; this machine has no apt-get: install them with its package manager" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "missing: ${missing[*]}; run as root (or install sudo) to let 'make test' install them" >&2
    exit 1
  fi
  sudo=sudo
fi
echo "installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
