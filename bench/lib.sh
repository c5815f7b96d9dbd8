# Pieces shared by bench/run.sh and bench/engines.sh (sourced, not run).
# The caller sets $work (a temporary directory), THREADS, CONNS, DURATION.

# bench_build OUT: the binary as shipped (static, no cgo).
bench_build() { CGO_ENABLED=0 go build -trimpath -o "$1" ./cmd/zerodesk; }

# port_free BASE: fails when something already answers at BASE. On a shared
# machine another process may hold the port: its answers must not be
# measured instead of ours (our server would exit, unable to listen).
port_free() {
  if curl -s -o /dev/null --max-time 1 "$1/healthz"; then
    echo "$1 is taken by another process: set PORT" >&2
    return 1
  fi
}

# wait_healthy BASE [PID]: until BASE/healthz answers (10 s at most); with
# PID, while that process runs.
wait_healthy() {
  for _ in $(seq 100); do
    if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
      echo "the server for $1 exited (is its port taken? set PORT)" >&2
      return 1
    fi
    curl -fs "$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$1/healthz does not answer" >&2
  return 1
}

# write_search_lua FILE: 8 searches in rotation (one a typo), each from
# another address (X-Forwarded-For: the server must trust loopback as its
# proxy, --trusted-proxy 127.0.0.1/32), as many visitors' would be: one
# address's search budget is 60 a minute, and a run from one address would
# measure the 429 page instead of search (bench/RESULTS.md, session 20).
write_search_lua() {
  cat > "$1" <<'LUA'
local queries = {"password", "reset%20account", "ticket", "pasword", "cookie", "usercode", "phrase", "attachment"}
local i = 0
request = function()
  i = i + 1
  local h = {}
  for k, v in pairs(wrk.headers) do h[k] = v end
  h["X-Forwarded-For"] = "10." .. (math.floor(i / 65536) % 256) .. "." .. (math.floor(i / 256) % 256) .. "." .. (i % 256)
  return wrk.format("GET", "/en/search?q=" .. queries[(i % #queries) + 1], h)
end
LUA
}

# wrk_measure NAME wrk-args...: runs wrk into $work/NAME.txt and sets RPS,
# P50, P99, REQS and NON2XX from its output.
wrk_measure() {
  local name=$1; shift
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" > "$work/$name.txt"
  RPS=$(awk '/Requests\/sec/ {print $2}' "$work/$name.txt")
  P50=$(awk '$1=="50%" {print $2}' "$work/$name.txt")
  P99=$(awk '$1=="99%" {print $2}' "$work/$name.txt")
  REQS=$(awk '/requests in/ {print $1}' "$work/$name.txt")
  NON2XX=$(awk '/Non-2xx/ {print $5}' "$work/$name.txt")
  NON2XX=${NON2XX:-0}
}
