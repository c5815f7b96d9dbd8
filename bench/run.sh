#!/usr/bin/env bash
# Load benchmark on loopback: builds zerodesk, serves it from a temporary data
# directory, and drives each endpoint with wrk (32 connections, bounded time).
# Prints a Markdown table for bench/RESULTS.md. Needs wrk (apt-get install wrk).
#
#   bash bench/run.sh                 # 10 s per endpoint
#   DURATION=20s CONNS=64 bash bench/run.sh
#   THREADS=2 bash bench/run.sh     # wrk with two threads: it then takes a core from the server
#   DESK=1 bash bench/run.sh        # also the agents' queue over 100,000 tickets (seeding takes minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
PORT=${PORT:-18080}
ADDR=127.0.0.1:$PORT
BASE=http://$ADDR

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

work=$(mktemp -d)
pid=
dpid=
trap 'kill $pid $dpid 2>/dev/null || true; wait $pid $dpid 2>/dev/null || true; rm -rf "$work"' EXIT
. bench/lib.sh
bench_build "$work/zerodesk"
port_free "$BASE"
"$work/zerodesk" serve --addr "$ADDR" --data "$work/data" --log-level error --trusted-proxy 127.0.0.1/32 &
pid=$!
wait_healthy "$BASE" "$pid"

# A stable article slug and a few searches (one with a typo).
slug=log-in-two-steps
lua="$work/search.lua"
write_search_lua "$lua"
# Worst case for search: every query different, so no cached result helps.
unique="$work/unique.lua"
cat > "$unique" <<'LUA'
local words = {"password", "reset", "ticket", "cookie", "usercode", "phrase", "attachment", "recover",
  "language", "session", "mail", "account", "secure", "data", "key", "support", "browser", "login"}
local n = 0
request = function()
  n = n + 1
  local a = words[(n % #words) + 1]
  local b = words[(math.floor(n / #words) % #words) + 1]
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["X-Forwarded-For"] = "10." .. (math.floor(n / 65536) % 256) .. "." .. (math.floor(n / 256) % 256) .. "." .. (n % 256)
  return wrk.format("GET", "/en/search?q=" .. a .. "%20" .. b .. "%20" .. n, h)
end
LUA

run() { # name, wrk args...
  local name=$1; shift
  wrk_measure "$name" "$@"
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$RPS" "$P50" "$P99" "$NON2XX"
  echo "$name $RPS" >> "$work/rps"
}

echo "| endpoint | req/s | p50 | p99 | non-2xx |"
echo "|---|---:|---:|---:|---:|"
run healthz "$BASE/healthz"
run home "$BASE/en/"
run home-gzip -H 'Accept-Encoding: gzip' "$BASE/en/"
# Other languages as browsers fetch them (compressed): compare with home-gzip.
run home-es-gzip -H 'Accept-Encoding: gzip' "$BASE/es/"
run home-ar-gzip -H 'Accept-Encoding: gzip' "$BASE/ar/"
run home-zh-gzip -H 'Accept-Encoding: gzip' "$BASE/zh-Hans/"
run home-ar "$BASE/ar/"
run root-negotiation -H 'Accept-Language: pt-PT,pt;q=0.9,en;q=0.5' "$BASE/"
run article-fragment -H 'HX-Request: true' "$BASE/en/articles/$slug"
run article-page "$BASE/en/articles/$slug"
run search -s "$lua" "$BASE"
run search-live -s "$lua" -H 'HX-Request: true' "$BASE"
run search-unique -s "$unique" "$BASE"

# The agents' queue over DESK_TICKETS tickets [100,000] (DESK=1): a data
# directory seeded by handlers' TestDeskLoadSeed (tickets sent through the
# service, an agent signed in with 1-Click), served by a second process of the
# same binary, queried with the agent's cookie (bench/desk.lua).
if [ "${DESK:-0}" = 1 ]; then
  ZD_DESK_SEED="$work/desk" ZD_DESK_TICKETS="${DESK_TICKETS:-100000}" \
    go test ./handlers -run '^TestDeskLoadSeed$' -count=1 -timeout 30m >/dev/null
  DESK_ADDR=127.0.0.1:$((PORT + 1))
  port_free "http://$DESK_ADDR"
  "$work/zerodesk" serve --addr "$DESK_ADDR" --data "$work/desk" --no-demo --log-level error --trusted-proxy 127.0.0.1/32 &
  dpid=$!
  wait_healthy "http://$DESK_ADDR" "$dpid"
  DESK_TOKEN=$(cat "$work/desk/token"); export DESK_TOKEN
  DESK_VIEW=$(cat "$work/desk/view" 2>/dev/null || true); export DESK_VIEW
  DESK_FIELD=$(cat "$work/desk/field" 2>/dev/null || true); export DESK_FIELD
  # A fresh process: SQLite's page cache and the desk's page caches are
  # cold, which the first seconds pay (measured apart as desk-queue-cold).
  run desk-queue-cold -s bench/desk.lua "http://$DESK_ADDR"
  run desk-queue -s bench/desk.lua "http://$DESK_ADDR"
  kill "$dpid"; wait "$dpid" 2>/dev/null || true; dpid=
fi

health=$(awk '$1=="healthz" {print $2}' "$work/rps")
echo
echo "| endpoint | share of /healthz req/s |"
echo "|---|---:|"
while read -r name rps; do
  [ "$name" = healthz ] && continue
  awk -v n="$name" -v r="$rps" -v h="$health" 'BEGIN { printf "| %s | %.0f%% |\n", n, 100*r/h }'
done < "$work/rps"
echo
echo "Resident memory after the run: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status) (peak $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status))"
echo "Settings: wrk -t$THREADS -c$CONNS -d$DURATION, server and wrk on the same $(nproc) cores, $(go version | awk '{print $3}')."
