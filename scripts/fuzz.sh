#!/bin/sh
# Runs every Go fuzz target of the module for a bounded time each (go test
# allows one -fuzz target per invocation). Crashers are written by go test to
# PKG/testdata/fuzz/FuzzX/: commit them as regression seeds and fix the cause.
#
#   scripts/fuzz.sh            # 3 s per target (CI)
#   FUZZTIME=1m scripts/fuzz.sh
set -eu
cd "$(dirname "$0")/.."
time=${FUZZTIME:-3s}
status=0
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u) || true
	for target in $targets; do
		echo "fuzz $pkg $target ($time)"
		if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$time" -parallel 2; then
			echo "FAIL: $pkg $target (crasher in $dir/testdata/fuzz/$target)" >&2
			status=1
		fi
	done
done
exit $status
