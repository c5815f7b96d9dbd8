#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests (issue 15): installs the
# server (and contrib) from Debian when missing, creates a cluster in a
# temporary directory owned by an unprivileged user (postgres refuses to run as
# root, and CI runs as root), listening on a unix socket in that directory only
# (no TCP port to collide with another run), with fsync off (a test cluster:
# nothing in it must survive a power cut). PG_DURABLE=1 keeps PostgreSQL's
# defaults instead (fsync, full_page_writes and synchronous_commit on): for
# measurements (bench/engines.sh), where a commit must cost what it costs.
#
#   eval "$(bash scripts/pg-start.sh)"    # exports ZERODESK_TEST_PG, PG_DIR
#   eval "$(PG_DURABLE=1 bash scripts/pg-start.sh)"
#   ...
#   bash scripts/pg-stop.sh "$PG_DIR"
#
# Prints the shell lines to export on stdout, progress on stderr, and writes
# the URL to $PG_DIR/url. $PG_DIR defaults to a fresh mktemp -d.
set -euo pipefail
start=$(date +%s%N)

find_bin() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

if ! bin=$(find_bin) || ! ls /usr/share/postgresql/*/extension/pg_trgm.control >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL is missing and this machine has no apt-get: install postgresql and postgresql-contrib" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing postgresql postgresql-contrib (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  # The Debian package would start its own cluster: keep it from starting
  # any service (policy-rc.d answers 101, "not allowed") so only ours runs.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    policy=/usr/sbin/policy-rc.d
  fi
  $sudo apt-get install -y -qq --no-install-recommends postgresql postgresql-contrib >/dev/null
  [ -z "$policy" ] || $sudo rm -f "$policy"
  bin=$(find_bin)
fi

# Who runs the server: ourselves when unprivileged, else the postgres system
# user (the Debian package creates it), else a user made for this.
runas=()
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  owner=postgres
  if ! id "$owner" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
  fi
  if command -v runuser >/dev/null 2>&1; then runas=(runuser -u "$owner" --); else runas=(su -s /bin/sh "$owner" -c); fi
fi

dir=${PG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/zerodesk-pg.XXXXXX")}
mkdir -p "$dir"
chmod 0755 "$dir"
[ "$(id -u)" -eq 0 ] && chown "$owner" "$dir"
run() {
  if [ "${runas[0]:-}" = su ]; then "${runas[@]}" "$(printf '%q ' "$@")"; else "${runas[@]}" "$@"; fi
}

port=${PG_PORT:-5433}
run "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
min_wal_size = 32MB
max_wal_size = 128MB
max_connections = 300
shared_buffers = 64MB
CONF
if [ "${PG_DURABLE:-0}" = 1 ]; then
  printf 'fsync = on\nfull_page_writes = on\nsynchronous_commit = on\n' >>"$dir/data/postgresql.conf"
else
  printf 'fsync = off\nfull_page_writes = off\n' >>"$dir/data/postgresql.conf"
fi
run "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 start >/dev/null

url="postgres://postgres@/postgres?host=$dir&port=$port&sslmode=disable"
echo "$url" >"$dir/url"
printf 'PostgreSQL %s ready at %s in %.1f s\n' "$("$bin/postgres" --version | awk '{print $3}')" "$dir" "$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { print (b - a) / 1e9 }')" >&2
printf 'export ZERODESK_TEST_PG=%q\nexport PG_DIR=%q\n' "$url" "$dir"
