# The newcomer's commands: `go run ./cmd/zerodesk` runs the portal,
# `make test` installs what the tests need and runs them all.

# CI adds -count=1 (no cached results): make test GOTESTFLAGS=-count=1
GOTESTFLAGS ?=

.PHONY: test test-setup run

## test: install what a fresh machine lacks, then every test under the race
## detector, then the bounded fuzz runs.
test: test-setup
	go test -race -timeout 15m $(GOTESTFLAGS) ./...
	@# Peak memory under 40 parallel maximal uploads: without the race
	@# detector, whose shadow memory would swamp the figure it bounds.
	ZERODESK_UPLOAD_MEMTEST=1 go test $(GOTESTFLAGS) ./handlers -run '^TestUploads_MemoryStaysBounded'
	@if [ -f scripts/fuzz.sh ]; then bash scripts/fuzz.sh; fi

## test-setup: Chromium and a Java runtime (apt-get, when missing), then
## axe-core and the Nu HTML checker from npm into .cache/ (git-ignored).
test-setup:
	bash scripts/system-setup.sh
	bash scripts/test-setup.sh

## run: serve the portal on http://127.0.0.1:8080/ (files in var/).
run:
	go run ./cmd/zerodesk
