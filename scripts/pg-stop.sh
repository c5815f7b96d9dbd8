#!/usr/bin/env bash
# Stops the throwaway cluster scripts/pg-start.sh started in $1 (or $PG_DIR)
# and deletes its directory.
set -euo pipefail
dir=${1:-${PG_DIR:?usage: pg-stop.sh DIR}}
[ -d "$dir/data" ] || { echo "no cluster in $dir" >&2; exit 0; }
bin=$(ls -d /usr/lib/postgresql/*/bin | head -1)
if [ "$(id -u)" -eq 0 ]; then
  runuser -u "$(stat -c %U "$dir/data")" -- "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
else
  "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
fi
rm -rf "$dir"
