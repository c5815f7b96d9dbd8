#!/usr/bin/env bash
# Issue 13's load figures, in one run on loopback (wrk, 32 connections):
#
#  1. the reference: nginx from Debian sending a saved, precompressed copy of
#     the home page (gzip_static), the most a server can do for those bytes;
#  2. the demo catalog, served by this commit and by BASE (a git ref, default
#     the commit before this file's issue work), endpoint by endpoint in turn
#     (base, now, base, now: the machine is shared, so both see the same load);
#  3. each large catalog made by bench/catalog (CATALOGS="dir …"), this commit
#     only: home, article, section, search, and a search nobody asked before.
#
# Every request asks for gzip, as browsers do. Prints Markdown tables for
# bench/RESULTS.md. Needs wrk and nginx; installs nginx-light with apt-get when
# it is missing (a benchmark machine's step: CI never runs this script).
#
#   go run ./bench/catalog -data /tmp/kb3 -articles 5000 -langs en,es,de
#   go run ./bench/catalog -data /tmp/kb1 -articles 50000 -langs en
#   CATALOGS="/tmp/kb3 /tmp/kb1" bash bench/scale.sh
#   DURATION=8s BASE=cbbcc67 bash bench/scale.sh     # demo size only
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-8s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
PORT=${PORT:-18090}
BASE=${BASE:-cbbcc67}
CATALOGS=${CATALOGS:-}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y nginx-light >/dev/null
fi

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
	git worktree remove --force "$work/base-src" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

CGO_ENABLED=0 go build -trimpath -o "$work/now" ./cmd/zerodesk
CGO_ENABLED=0 go build -trimpath -o "$work/gostatic" ./bench/gostatic
git worktree add --detach "$work/base-src" "$BASE" >/dev/null 2>&1
(cd "$work/base-src" && CGO_ENABLED=0 go build -trimpath -o "$work/base" ./cmd/zerodesk)

serve() { # binary, port, data dir, extra flags...
	local bin=$1 port=$2 dir=$3; shift 3
	"$bin" serve --addr "127.0.0.1:$port" --data "$dir" --log-level error --trusted-proxy 127.0.0.1/32 "$@" &
	pids+=($!)
	for _ in $(seq 1200); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
	echo "the server on $port did not start" >&2
	exit 1
}

# Visitors: the search routes allow one address 60 searches a minute, so the
# searches come from 4,096 addresses (X-Forwarded-For, the servers trusting
# loopback as their proxy), as many visitors' would.
cat > "$work/visitors.lua" <<'LUA'
local n = 0
visit = function(path)
  n = n + 1
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["X-Forwarded-For"] = "10.0." .. (math.floor(n / 256) % 16) .. "." .. (n % 256)
  return wrk.format("GET", path, h)
end
LUA
cat "$work/visitors.lua" - > "$work/search.lua" <<'LUA'
local queries = {"password", "reset%20account", "ticket", "pasword", "cookie", "usercode", "phrase", "attachment"}
local i = 0
request = function()
  i = i + 1
  return visit("/en/search?q=" .. queries[(i % #queries) + 1])
end
LUA
# Worst case for search: every query different, so no cached result helps.
cat "$work/visitors.lua" - > "$work/unique.lua" <<'LUA'
local words = {"password", "reset", "ticket", "cookie", "usercode", "phrase", "attachment", "recover",
  "language", "session", "mail", "account", "secure", "data", "key", "support", "browser", "login"}
local m = 0
request = function()
  m = m + 1
  local a = words[(m % #words) + 1]
  local b = words[(math.floor(m / #words) % #words) + 1]
  return visit("/en/search?q=" .. a .. "%20" .. b .. "%20" .. m)
end
LUA

echo "| run | endpoint | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---:|---:|---:|---:|"
run() { # run name, endpoint name, wrk args...
	local tag=$1 name=$2; shift 2
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H 'Accept-Encoding: gzip' "$@" > "$work/out.txt"
	local rps p50 p99 non2xx
	rps=$(awk '/Requests\/sec/ {print $2}' "$work/out.txt")
	p50=$(awk '$1=="50%" {print $2}' "$work/out.txt")
	p99=$(awk '$1=="99%" {print $2}' "$work/out.txt")
	non2xx=$(awk '/Non-2xx/ {print $5}' "$work/out.txt")
	printf '| %s | %s | %s | %s | %s | %s |\n' "$tag" "$name" "$rps" "$p50" "$p99" "${non2xx:-0}"
	echo "$tag $name $rps" >> "$work/rps"
}

# --- Demo size: base and now side by side, and nginx's copy of the home page.
serve "$work/base" $((PORT + 1)) "$work/demo-base"
serve "$work/now" $((PORT + 2)) "$work/demo-now"
B=http://127.0.0.1:$((PORT + 1))
N=http://127.0.0.1:$((PORT + 2))

mkdir -p "$work/www/en"
curl -fs "$N/en/" > "$work/www/en/index.html"
curl -fs -H 'Accept-Encoding: gzip' "$N/en/" > "$work/www/en/index.html.gz"
cat > "$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log error;
events { worker_connections 1024; }
http {
	access_log off;
	types { text/html html; }
	default_type text/html;
	client_body_temp_path $work/nginx-tmp;
	proxy_temp_path $work/nginx-tmp;
	fastcgi_temp_path $work/nginx-tmp;
	uwsgi_temp_path $work/nginx-tmp;
	scgi_temp_path $work/nginx-tmp;
	server {
		listen 127.0.0.1:$((PORT + 3));
		root $work/www;
		gzip_static on;
		location / { index index.html; add_header Cache-Control no-cache; etag on; }
	}
}
NGINX
mkdir -p "$work/nginx-tmp"
chmod o+rx "$work" "$work/www" "$work/www/en" # nginx's workers may run as another user
chmod o+r "$work"/www/en/*
"$NGINX" -c "$work/nginx.conf" -p "$work"
G=http://127.0.0.1:$((PORT + 3))
if [ "$(curl -fs -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$G/en/")" != "$(stat -c %s "$work/www/en/index.html.gz")" ]; then
	echo "nginx does not send the precompressed copy" >&2
	exit 1
fi

# The second reference: the same precompressed bytes from a Go program with
# net/http alone (bench/gostatic): how much of the gap to nginx is Go's own.
"$work/gostatic" -addr "127.0.0.1:$((PORT + 5))" -gz "$work/www/en/index.html.gz" &
pids+=($!)
S=http://127.0.0.1:$((PORT + 5))
for _ in $(seq 100); do curl -fs -o /dev/null "$S/" && break; sleep 0.1; done

run nginx home "$G/en/"
run gostatic home "$S/"
for ep in healthz home article section search; do
	for tag in base now; do
		url=$B
		[ "$tag" = now ] && url=$N
		case $ep in
		healthz) run "$tag" healthz "$url/healthz" ;;
		home) run "$tag" home "$url/en/" ;;
		article) run "$tag" article "$url/en/articles/log-in-two-steps" ;;
		section) run "$tag" section "$url/en/sections/howto" ;;
		search) run "$tag" search -s "$work/search.lua" "$url" ;;
		esac
	done
done
run nginx home "$G/en/"
run gostatic home "$S/"
run now search-unique -s "$work/unique.lua" "$N"
for p in "${pids[@]}"; do kill "$p"; done
wait "${pids[@]}" 2>/dev/null || true
pids=()

# --- The large catalogs (copies: the server may rebuild the index of a
# catalog made by an older version, and writes its counts).
port=$((PORT + 6))
for dir in $CATALOGS; do
	name=$(basename "$dir")
	cp -r "$dir" "$work/$name"
	start=$(date +%s)
	serve "$work/now" "$port" "$work/$name" --no-demo
	echo "| $name | (started in $(($(date +%s) - start)) s, resident $(awk '/VmRSS/ {print $2, $3}' /proc/${pids[-1]}/status)) | | | | |"
	U=http://127.0.0.1:$port
	run "$name" healthz "$U/healthz"
	run "$name" home "$U/en/"
	run "$name" article "$U/en/articles/log-in-two-steps"
	run "$name" article-generated "$U/en/articles/gen-00042"
	run "$name" section "$U/en/sections/howto"
	run "$name" search -s "$work/search.lua" "$U"
	run "$name" search-unique -s "$work/unique.lua" "$U"
	echo "| $name | (resident after the run $(awk '/VmRSS/ {print $2, $3}' /proc/${pids[-1]}/status), peak $(awk '/VmHWM/ {print $2, $3}' /proc/${pids[-1]}/status)) | | | | |"
	kill "${pids[-1]}"
	wait "${pids[-1]}" 2>/dev/null || true
	pids=()
	port=$((port + 1))
done

echo
echo "| ratio | value |"
echo "|---|---:|"
awk '
	{ k = $1 " " $2; if (k in r) r[k] = (r[k] + $3) / 2; else r[k] = $3 }
	END {
		printf "| now home / nginx home (goal ≥ 80%%) | %.0f%% |\n", 100 * r["now home"] / r["nginx home"]
		printf "| gostatic home / nginx home (net/http alone, the same bytes) | %.0f%% |\n", 100 * r["gostatic home"] / r["nginx home"]
		printf "| now home / gostatic home (what zerodesk adds) | %.0f%% |\n", 100 * r["now home"] / r["gostatic home"]
		printf "| now search / now home (goal ≥ 50%%) | %.0f%% |\n", 100 * r["now search"] / r["now home"]
		split("home article section search", eps, " ")
		for (i in eps) {
			e = eps[i]
			printf "| now / base, %s (goal ≥ 90%%) | %.0f%% |\n", e, 100 * r["now " e] / r["base " e]
			printf "| now %s / now healthz | %.0f%% |\n", e, 100 * r["now " e] / r["now healthz"]
		}
	}' "$work/rps"
echo
echo "Settings: wrk -t$THREADS -c$CONNS -d$DURATION, Accept-Encoding: gzip, server, nginx and wrk on the same $(nproc) cores, $(go version | awk '{print $3}'), $($NGINX -v 2>&1 | awk '{print $3}'), base $BASE, now $(git rev-parse --short HEAD)."
