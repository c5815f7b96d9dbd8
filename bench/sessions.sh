#!/usr/bin/env bash
# Signed-in pages before and after a change, in one run (issue 12: sessions on
# scs). Builds zerodesk at BEFORE (a commit) and at the work tree, seeds a data
# directory for each with that version's TestDeskLoadSeed (DESK_TICKETS
# tickets and an agent signed in with 1-Click), serves each in turn and drives
# My account and the desk's queue with the agent's cookie, wrk-style as
# bench/run.sh does (32 connections), ROUNDS times in alternation. The server
# trusts loopback as a proxy and each request names another client address
# (X-Forwarded-For), so the desk's per-address limit (600 a minute) measures
# nothing but itself is not what is measured. It also
# reports the database's writes during each run: the growth of the WAL in
# frames (4 KiB pages; 0 = no write), per request.
#
#   BEFORE=cbbcc67 bash bench/sessions.sh
#   BEFORE=cbbcc67 DURATION=10s ROUNDS=3 DESK_TICKETS=5000 bash bench/sessions.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BEFORE=${BEFORE:?name the commit to compare with: BEFORE=<commit>}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
ROUNDS=${ROUNDS:-2}
DESK_TICKETS=${DESK_TICKETS:-5000}
PORT=${PORT:-18090}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

work=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill $pid 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$work"' EXIT

build() { # name, source dir
  (cd "$2" && CGO_ENABLED=0 go build -trimpath -o "$work/$1/zerodesk" ./cmd/zerodesk)
  (cd "$2" && ZD_DESK_SEED="$work/$1/data" ZD_DESK_TICKETS="$DESK_TICKETS" \
    go test ./handlers -run '^TestDeskLoadSeed$' -count=1 -timeout 30m >"$work/$1/seed.txt") ||
    # The seed's last check compares the queue's total without the thousands
    # separator the page prints (from 1,000 tickets on): the data is written.
    { grep -q 'does not contain "[0-9]*"' "$work/$1/seed.txt" && [ -s "$work/$1/data/token" ]; } ||
    { cat "$work/$1/seed.txt" >&2; exit 1; }
}
mkdir -p "$work/src-before" "$work/before" "$work/after"
git archive "$BEFORE" | tar -x -C "$work/src-before"
build before "$work/src-before"
build after "$PWD"

# The server's CPU time (user + system, clock ticks): per request, it is less
# disturbed than req/s by other work on a shared machine.
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
walpages() { local f="$1/zerodesk.db-wal"; [ -f "$f" ] && echo $(( $(stat -c %s "$f") / 4096 )) || echo 0; }

run() { # version, endpoint name, wrk args...
  local v=$1 name=$2; shift 2
  local data="$work/$v/data" addr=127.0.0.1:$PORT
  "$work/$v/zerodesk" serve --addr "$addr" --data "$data" --no-demo --log-level error --trusted-proxy 127.0.0.1/32 &
  pid=$!
  for _ in $(seq 50); do curl -fs "http://$addr/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  local token; token=$(cat "$data/token")
  # Warm up (page caches), then measure.
  wrk -t1 -c"$CONNS" -d2s -H "Cookie: zd=$token" -H 'Accept-Encoding: gzip' "$@" "http://$addr" >/dev/null
  local w0; w0=$(walpages "$data")
  local c0; c0=$(cputicks "$pid")
  wrk -t1 -c"$CONNS" -d"$DURATION" --latency -H "Cookie: zd=$token" -H 'Accept-Encoding: gzip' "$@" "http://$addr" > "$work/out.txt"
  local w1; w1=$(walpages "$data")
  local c1; c1=$(cputicks "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  local rps p50 p99 reqs non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/out.txt")
  p50=$(awk '$1=="50%" {print $2}' "$work/out.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/out.txt")
  reqs=$(awk '/requests in/ {print $1}' "$work/out.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$work/out.txt")
  awk -v v="$v" -v n="$name" -v r="$rps" -v a="$p50" -v b="$p99" -v q="$reqs" -v d=$((w1 - w0)) -v x="${non2xx:-0}" \
    -v c=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "| %s | %s | %s | %.0f | %s | %s | %s | %d | %.4f |\n", n, v, r, (q > 0 ? c / hz / q * 1e6 : 0), a, b, x, d, (q > 0 ? d / q : 0) }'
}

account="$work/account.lua"
cat > "$account" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end -- the cookie
  h["X-Forwarded-For"] = "10." .. (n % 250) .. "." .. (math.floor(n / 250) % 250) .. ".1"
  return wrk.format("GET", "/en/account", h)
end
LUA
# bench/desk.lua's paths, each request from another address.
desk="$work/desk.lua"
cat > "$desk" <<'LUA'
local paths = {"/en/desk", "/en/desk?status=open", "/en/desk?priority=urgent", "/en/desk?assignee=none&topic=billing",
  "/en/desk?q=printer%20refund", "/en/desk?page=50", "/en/desk?status=new&priority=urgent&page=3", "/en/desk?q=invoice"}
local n = 0
request = function()
  n = n + 1
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end -- the cookie
  h["X-Forwarded-For"] = "10." .. (n % 250) .. "." .. (math.floor(n / 250) % 250) .. ".2"
  return wrk.format("GET", paths[(n % #paths) + 1], h)
end
LUA

echo "| page | version | req/s | server CPU µs/request | p50 | p99 | non-2xx | WAL frames written | frames per request |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for _ in $(seq "$ROUNDS"); do
  for v in before after; do
    run "$v" my-account -s "$account"
    run "$v" desk-queue -s "$desk"
  done
done
echo
echo "Settings: wrk -t1 -c$CONNS -d$DURATION after a 2 s warm-up, $DESK_TICKETS tickets, before = $(git rev-parse --short "$BEFORE"), after = the work tree at $(git rev-parse --short HEAD), server and wrk on the same $(nproc) cores, $(go version | awk '{print $3}')."
