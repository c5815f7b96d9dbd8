#!/usr/bin/env bash
# The engines side by side, in one run (issue 15): home, an article, searches
# and ticket submission on
#   1. sqlite: one instance on its embedded SQLite file;
#   2. pg:     one instance on PostgreSQL;
#   3. pg x2:  two instances on that PostgreSQL behind nginx (nginx-light from
#              Debian, installed with apt-get when missing; an upstream with
#              both instances, its configuration written into the temporary
#              directory);
# each endpoint with its share of /healthz of the same setup (for pg x2,
# /healthz through the proxy), and the CPU time per request of zerodesk, of
# PostgreSQL (the postmaster and its backends) and of the proxy, read from
# /proc around each wrk run: on a shared machine that says more than req/s
# about where the time goes.
#
# PostgreSQL is a throwaway cluster (scripts/pg-start.sh) started with
# PG_DURABLE=1: fsync, full_page_writes and synchronous_commit on, so a
# ticket's commit costs on PostgreSQL what it costs on SQLite (synchronous=FULL
# for the group committer's commits). Each setup gets a fresh database with
# the demo content. Needs wrk; a measurement, never CI.
#
#   bash bench/engines.sh                       # 5 s per endpoint, 16 connections
#   DURATION=10s CONNS=32 bash bench/engines.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5s}
CONNS=${CONNS:-16}
THREADS=${THREADS:-1}
PORT=${PORT:-18100}
PUBLIC=http://example.com # --public-url: the Origin the support form's POST carries
SECRET=5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7 # shared by the PostgreSQL instances

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
  echo "installing nginx-light (apt-get)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi

work=$(mktemp -d)
chmod 0755 "$work" # nginx's workers may run as another user
pids=()
PG_DIR=
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -z "$PG_DIR" ] || bash scripts/pg-stop.sh "$PG_DIR"
  rm -rf "$work"
}
trap cleanup EXIT
. bench/lib.sh
bench_build "$work/zerodesk"

eval "$(PG_DURABLE=1 PG_PORT=$((PORT + 9)) bash scripts/pg-start.sh)"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | head -1)
pgurl() { echo "${ZERODESK_TEST_PG/\/postgres\?//$1?}"; } # the cluster's URL for database $1
newdb() { "$PG_BIN/psql" -q -X "$ZERODESK_TEST_PG" -c "CREATE DATABASE $1" >/dev/null; }

# Visitors: every request from another address (X-Forwarded-For, the servers
# trusting loopback as their proxy), as the per-address limits (60 searches,
# 30 tickets a minute) would otherwise measure themselves.
cat > "$work/visitors.lua" <<'LUA'
local n = 0
visit = function(method, path, body, extra)
  n = n + 1
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  for k, v in pairs(extra or {}) do h[k] = v end
  h["X-Forwarded-For"] = "10." .. (math.floor(n / 65536) % 256) .. "." .. (math.floor(n / 256) % 256) .. "." .. (n % 256)
  return wrk.format(method, path, h, body)
end
LUA
cat "$work/visitors.lua" - > "$work/search.lua" <<'LUA'
local queries = {"password", "reset%20account", "ticket", "pasword", "cookie", "usercode", "phrase", "attachment"}
request = function()
  return visit("GET", "/en/search?q=" .. queries[(n % #queries) + 1])
end
LUA
cat "$work/visitors.lua" - > "$work/unique.lua" <<'LUA'
local words = {"password", "reset", "ticket", "cookie", "usercode", "phrase", "attachment", "recover",
  "language", "session", "mail", "account", "secure", "data", "key", "support", "browser", "login"}
request = function()
  local a = words[(n % #words) + 1]
  local b = words[(math.floor(n / #words) % #words) + 1]
  return visit("GET", "/en/search?q=" .. a .. "%20" .. b .. "%20" .. n)
end
LUA
# Ticket submission: the guest's support form as a browser posts it (same
# origin, a fresh form_id each time, so no post is a replay of another). A
# ticket is acknowledged by the 200 page that shows its reference (ZD-…):
# those are counted as "acked".
cat "$work/visitors.lua" - > "$work/ticket.lua" <<'LUA'
local run = tostring(os.time())
acked, other = 0, 0 -- globals: done() reads them from the thread (thread:get)
local threads = {}
setup = function(thread) table.insert(threads, thread) end
request = function()
  local i = n + 1
  local body = "form_id=bench-" .. run .. "-" .. i .. "&name=Gus%20Guest&email=gus" .. i ..
    "%40example.org&topic=other&subject=Bench%20ticket%20" .. i ..
    "&body=The%20page%20does%20not%20load%20after%20the%20update%2C%20attempt%20" .. i
  return visit("POST", "/en/support", body, {["Content-Type"] = "application/x-www-form-urlencoded",
    ["Origin"] = "http://example.com", ["Sec-Fetch-Site"] = "same-origin"})
end
response = function(status, headers, body)
  if status == 200 and body:find('id="sent%-ref">ZD%-') then acked = acked + 1 else other = other + 1 end
end
done = function(summary, latency, requests)
  local sum = 0
  for _, t in ipairs(threads) do sum = sum + t:get("acked") end
  io.write(string.format("acked %d\n", sum))
end
LUA
[ "$THREADS" = 1 ] || { echo "THREADS must be 1 (ticket.lua counts acknowledgements in one thread)" >&2; exit 1; }

# CPU ticks (user + system, children reaped included) of the given processes.
ticks() {
  local sum=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    sum=$((sum + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
# write(2)-family calls of the given processes (/proc/PID/io syscw): one per
# response sent, plus, on PostgreSQL, one per message to the server (a round
# trip: pgx sends a query's Parse/Bind/Execute/Sync at once), on SQLite one
# per file write.
syscw() {
  local sum=0 p
  for p in "$@"; do sum=$((sum + $(awk '$1=="syscw:" {print $2}' "/proc/$p/io" 2>/dev/null || echo 0))); done
  echo "$sum"
}
pg_pids() { local pm; pm=$(head -1 "$PG_DIR/data/postmaster.pid"); echo "$pm" $(ps -o pid= --ppid "$pm"); }
nginx_pids() { [ -f "$work/nginx.pid" ] || return 0; local m; m=$(cat "$work/nginx.pid"); echo "$m" $(ps -o pid= --ppid "$m"); }

# What PostgreSQL's client backends of database $1 are doing, sampled every
# 0.2 s into $2 until killed: "wait event type:wait event (state)" per
# backend, CPU when it waits for nothing. "ClientRead (idle in transaction)"
# is a backend waiting for zerodesk's next statement: a round trip;
# "Lock:advisory" the one-writer lock; "IO:WALSync" a commit's fsync.
sample_pg() {
  while :; do
    "$PG_BIN/psql" -qAtX "$(pgurl "$1")" -c "SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') || ' (' || state || ')'
      FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'" >>"$2" 2>/dev/null || true
    sleep 0.2
  done
}

serve() { # port data-dir [--db URL]: starts an instance, appends its pid to pids
  local port=$1 data=$2; shift 2
  port_free "http://127.0.0.1:$port"
  ZERODESK_SECRET=$SECRET "$work/zerodesk" serve --addr "127.0.0.1:$port" --data "$data" --log-level error \
    --trusted-proxy 127.0.0.0/8 --public-url "$PUBLIC" "$@" &
  pids+=($!)
  wait_healthy "http://127.0.0.1:$port" "$!"
}

HZ=$(getconf CLK_TCK)
echo "setup endpoint rps p50 p99 non2xx acked zd pg proxy writes" > "$work/rows"
measure() { # setup zd-pids endpoint wrk-args...
  local setup=$1 zd=$2 name=$3; shift 3
  local z0 p0 x0 w0 z1 p1 x1 w1 acked=- sampler=
  if [ -n "$DBNAME" ] && [[ $name == ticket || $name == search-unique ]]; then
    sample_pg "$DBNAME" "$work/$setup-$name.waits" & sampler=$!
  fi
  z0=$(ticks $zd); p0=$(ticks $(pg_pids)); x0=$(ticks $(nginx_pids)); w0=$(syscw $zd)
  wrk_measure "$setup-$name" "$@"
  z1=$(ticks $zd); p1=$(ticks $(pg_pids)); x1=$(ticks $(nginx_pids)); w1=$(syscw $zd)
  if [ -n "$sampler" ]; then kill "$sampler"; wait "$sampler" 2>/dev/null || true; fi
  [ "$name" != ticket ] || acked=$(awk '$1=="acked" {print $2}' "$work/$setup-$name.txt")
  awk -v s="$setup" -v n="$name" -v r="$RPS" -v a="$P50" -v b="$P99" -v x="$NON2XX" -v k="$acked" -v q="$REQS" -v hz="$HZ" \
    -v z=$((z1 - z0)) -v p=$((p1 - p0)) -v g=$((x1 - x0)) -v w=$((w1 - w0)) \
    'BEGIN { f = (q > 0 ? 1000 / hz / q : 0); printf "%s %s %s %s %s %s %s %.2f %.2f %.2f %.1f\n", s, n, r, a, b, x, k, z * f, p * f, g * f, (q > 0 ? w / q : 0) }' >> "$work/rows"
  echo "  $setup $name: $RPS req/s" >&2
}

endpoints() { # setup base zd-pids
  local setup=$1 base=$2 zd=$3
  wrk -t1 -c"$CONNS" -d1s "$base/en/" >/dev/null # warm up (templates, page caches, connections)
  measure "$setup" "$zd" healthz "$base/healthz"
  measure "$setup" "$zd" home "$base/en/"
  measure "$setup" "$zd" article "$base/en/articles/log-in-two-steps"
  measure "$setup" "$zd" search -s "$work/search.lua" "$base"
  measure "$setup" "$zd" search-unique -s "$work/unique.lua" "$base"
  measure "$setup" "$zd" ticket -s "$work/ticket.lua" "$base"
}
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }

load_before=$(uptime)

# 1. SQLite.
DBNAME=
serve "$PORT" "$work/sqlite"
endpoints sqlite "http://127.0.0.1:$PORT" "${pids[*]}"
stop_all

# 2. PostgreSQL, one instance.
newdb bench1
DBNAME=bench1
serve $((PORT + 1)) "$work/pg1" --db "$(pgurl bench1)"
endpoints pg "http://127.0.0.1:$((PORT + 1))" "${pids[*]}"
stop_all

# 3. Two instances on one PostgreSQL database, behind nginx (round robin).
newdb bench2
DBNAME=bench2
serve $((PORT + 2)) "$work/pgA" --db "$(pgurl bench2)"
serve $((PORT + 3)) "$work/pgB" --db "$(pgurl bench2)"
mkdir -p "$work/nginx-tmp"; chmod 0777 "$work/nginx-tmp"
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log error;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work/nginx-tmp;
	proxy_temp_path $work/nginx-tmp;
	fastcgi_temp_path $work/nginx-tmp;
	uwsgi_temp_path $work/nginx-tmp;
	scgi_temp_path $work/nginx-tmp;
	upstream zerodesk {
		server 127.0.0.1:$((PORT + 2));
		server 127.0.0.1:$((PORT + 3));
		keepalive 32;
	}
	server {
		listen 127.0.0.1:$((PORT + 4));
		location / {
			proxy_pass http://zerodesk;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host \$host;
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
			proxy_set_header X-Forwarded-Proto \$scheme;
		}
	}
}
NGINX
port_free "http://127.0.0.1:$((PORT + 4))"
"$NGINX" -c "$work/nginx.conf" -p "$work"
wait_healthy "http://127.0.0.1:$((PORT + 4))"
endpoints "pg-x2" "http://127.0.0.1:$((PORT + 4))" "${pids[*]}"
kill "$(cat "$work/nginx.pid")"; rm -f "$work/nginx.pid"
stop_all

load_after=$(uptime)

echo "| setup | endpoint | req/s | share of /healthz | p50 | p99 | non-2xx | tickets acked | zerodesk CPU ms/req | PostgreSQL CPU ms/req | nginx CPU ms/req | zerodesk writes/req |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk 'NR > 1 {
  if ($2 == "healthz") h[$1] = $3
  printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3,
    ($2 == "healthz" ? "100%" : sprintf("%.0f%%", 100 * $3 / h[$1])), $4, $5, $6, $7, $8,
    ($1 == "sqlite" ? "-" : $9), ($1 == "pg-x2" ? $10 : "-"), $11
}' "$work/rows"
echo
echo "PostgreSQL's busy client backends, sampled every 0.2 s (share of samples; CPU = waiting for nothing):"
echo
for f in "$work"/*.waits; do
  [ -s "$f" ] || continue
  printf -- '- %s: ' "$(basename "$f" .waits)"
  sort "$f" | uniq -c | sort -rn | awk -v t="$(wc -l < "$f")" '{ c = $1; $1 = ""; printf "%s%s %.0f%%", (NR > 1 ? ", " : ""), substr($0, 2), 100 * c / t } END { printf " (%d samples)\n", t }'
done
echo
echo "Load before: $load_before"
echo "Load after:  $load_after"
echo "Settings: wrk -t$THREADS -c$CONNS -d$DURATION (1 s warm-up per setup), servers, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') (fsync and synchronous_commit on), nginx $("$NGINX" -v 2>&1 | awk -F/ '{print $2}') and wrk on the same $(nproc) cores, $(go version | awk '{print $3}'), commit $(git rev-parse --short HEAD)."
