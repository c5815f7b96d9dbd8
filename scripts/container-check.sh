#!/usr/bin/env bash
# The container image's CI check (issue 15). Podman builds images on the CI
# machine but cannot start containers there, so this script:
#   1. installs podman from Debian when missing (apt-get);
#   2. builds the static binary (CGO_ENABLED=0) and the image from
#      deploy/Containerfile, with everything from the build context: no
#      registry is reachable, and FROM scratch needs none;
#   3. checks the image: a numeric non-root user, the entrypoint, the exposed
#      port, the health check, and its size (at most SIZE_LIMIT_MB, 60 MB);
#   4. takes the binary OUT of the image (podman create + cp; podman save as
#      the fallback), checks it is the one built, runs that exact binary on a
#      temporary data directory and polls /readyz with its own probe until
#      200, then stops it with SIGTERM.
# Prints the seconds of each step. Called at the end of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_LIMIT_MB=${SIZE_LIMIT_MB:-60}
IMAGE=${IMAGE:-localhost/zerodesk:dev}
t0=$(date +%s)
step() { local now; now=$(date +%s); echo "container-check: $1 ($((now - t0)) s so far)"; }
fail() { echo "container-check: FAIL: $*" >&2; exit 1; }

# 1. podman.
if ! command -v podman >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || fail "no podman and no apt-get: install podman with this machine's package manager"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "no podman; run as root (or install sudo) to let this script install it"
    sudo=sudo
  fi
  echo "container-check: installing podman (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends podman >/dev/null
  step "podman installed"
fi
# Inside a container (CI), overlay mounts are often refused: vfs always works.
if [ -z "${STORAGE_DRIVER:-}" ] && ! podman info >/dev/null 2>&1; then
  export STORAGE_DRIVER=vfs
fi

# 2. The binary and the build context.
ctx=$(mktemp -d)
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$ctx" "$work"
}
trap cleanup EXIT
CGO_ENABLED=0 go build -ldflags "-s -w" -o "$ctx/zerodesk" ./cmd/zerodesk
mkdir -p "$ctx/rootfs/data" "$ctx/rootfs/tmp" "$ctx/rootfs/etc/ssl/certs"
chmod 0700 "$ctx/rootfs/data"
chmod 1777 "$ctx/rootfs/tmp"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/"
else
  echo "container-check: warning: no CA bundle on this machine: smtps:// will not verify in the image" >&2
fi
step "binary built ($(du -k "$ctx/zerodesk" | cut -f1) KiB)"
# The previous build's image goes first, so rebuilding leaves no dangling one.
podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
podman build -q --format docker --pull=never -f deploy/Containerfile -t "$IMAGE" "$ctx" >/dev/null
step "image built"

# 3. What the image promises.
inspect() { podman image inspect --format "$1" "$IMAGE"; }
user=$(inspect '{{.Config.User}}')
[[ "$user" =~ ^[1-9][0-9]*(:[1-9][0-9]*)?$ ]] || fail "user is '$user', want a numeric non-root user"
entry=$(inspect '{{json .Config.Entrypoint}}')
[ "$entry" = '["/zerodesk"]' ] || fail "entrypoint is $entry"
ports=$(inspect '{{json .Config.ExposedPorts}}')
[[ "$ports" == *'"8080/tcp"'* ]] || fail "exposed ports are $ports, want 8080/tcp"
health=$(inspect '{{json .Config.Healthcheck}}')
[[ "$health" == *'"/zerodesk","probe"'*'/readyz'* ]] || fail "health check is $health"
volumes=$(inspect '{{json .Config.Volumes}}')
[[ "$volumes" == *'"/data"'* ]] || fail "volumes are $volumes"
size=$(inspect '{{.Size}}')
[ "$size" -le $((SIZE_LIMIT_MB * 1000 * 1000)) ] || fail "the image is $size bytes, over $SIZE_LIMIT_MB MB"
step "image checked: user $user, entrypoint $entry, ports $ports, $((size / 1000 / 1000)) MB (limit $SIZE_LIMIT_MB MB)"

# 4. The exact binary from the image, run.
cid=$(podman create "$IMAGE" 2>/dev/null) || cid=""
if [ -n "$cid" ] && podman cp "$cid:/zerodesk" "$work/zerodesk" 2>/dev/null; then
  podman rm "$cid" >/dev/null 2>&1
else
  [ -n "$cid" ] && podman rm "$cid" >/dev/null 2>&1 || true
  podman save --format docker-archive -o "$work/image.tar" "$IMAGE"
  mkdir "$work/image"
  tar -xf "$work/image.tar" -C "$work/image"
  for layer in $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$work/image/manifest.json"); do
    tar -xf "$work/image/$layer" -C "$work" zerodesk 2>/dev/null && break || true
  done
fi
[ -x "$work/zerodesk" ] || fail "no /zerodesk could be taken out of the image"
cmp -s "$work/zerodesk" "$ctx/zerodesk" || fail "the binary in the image is not the one built"
mkdir "$work/data"
"$work/zerodesk" serve --data "$work/data" --addr 127.0.0.1:0 --no-demo --log-format json 2>"$work/log" &
pid=$!
addr=""
ready=""
for _ in $(seq 1 150); do
  if [ -z "$addr" ]; then
    addr=$(sed -n 's/.*"msg":"serving","addr":"\(http:\/\/[^"]*\)\/".*/\1/p' "$work/log" | head -1)
  fi
  if [ -n "$addr" ] && "$work/zerodesk" probe --timeout 2s "$addr/readyz" >/dev/null 2>&1; then
    ready=yes
    break
  fi
  kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; fail "the binary from the image exited"; }
  sleep 0.2
done
[ -n "$ready" ] || { cat "$work/log" >&2; fail "the binary from the image never answered /readyz with 200"; }
step "the binary from the image is ready at $addr/readyz"
kill -TERM "$pid"
wait "$pid" || fail "the binary did not stop cleanly on SIGTERM"
pid=""
step "stopped cleanly; done"
