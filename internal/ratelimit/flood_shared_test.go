package ratelimit

import (
	"context"
	"testing"
	"time"

	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
)

// sharedRows is how many buckets the shared table holds, and on PostgreSQL
// its size with its index (bytes; 0 on SQLite).
func sharedRows(t testing.TB, db *store.DB) (rows, size int64) {
	t.Helper()
	if err := db.Read.QueryRow(`SELECT count(*) FROM rate_buckets`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if db.Engine == store.Postgres {
		if err := db.Read.QueryRow(`SELECT pg_total_relation_size('rate_buckets')`).Scan(&size); err != nil {
			t.Fatal(err)
		}
	}
	return rows, size
}

// TestLimits_AFloodOfAddressesBoundsTheSharedTable: a flood of distinct
// addresses, one request each, spread over the 5 minutes between two of the
// pruning job's passes, leaves the shared table a bounded number of rows
// (the buckets not yet full again, and the few counted since this instance's
// last sweep), not one per address. On PostgreSQL 100,000 requests, on
// SQLite (the same SQL, for the tests) 25,000, under the race detector
// 2,000; the figures are logged
// (bench/RESULTS.md, issue 15, session 21).
func TestLimits_AFloodOfAddressesBoundsTheSharedTable(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	n := 25_000
	if db.Engine == store.Postgres {
		n = 100_000
	}
	if underRace {
		n = 2_000
	}
	clock := testsupport.NewClock(start)
	l := Shared(db, Options{Secret: testsupport.SecretA, Now: clock.Now})
	ctx := context.Background()
	search := Budget{Name: "search", PerMinute: 60}
	step := 5 * time.Minute / time.Duration(n)
	began := time.Now()
	for i := range n {
		if !l.Allow(ctx, search, floodAddress(i)) {
			t.Fatalf("new address %d refused", i)
		}
		clock.Add(step)
	}
	took := time.Since(began)
	waitSweeps(l)
	rows, size := sharedRows(t, db)
	t.Logf("%s: %d distinct addresses over 5 minutes (%v a request): %d rows, %.1f MB",
		db.Engine, n, took/time.Duration(n), rows, float64(size)/1e6)
	if limit := int64(2 * minPrune); rows > limit {
		t.Errorf("%d distinct addresses over 5 minutes left %d rows, want at most %d", n, rows, limit)
	}
}

// waitSweeps waits for l's sweeps under way.
func waitSweeps(l *Limits) { l.sweeps.Wait() }

// TestLimits_TheSweepsKeepALimitedAddressLimited: the sweeps that a flood of
// new addresses sets off delete the flood's buckets once they are full, and
// never the bucket of an address that has spent its budget: it stays
// refused.
func TestLimits_TheSweepsKeepALimitedAddressLimited(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	clock := testsupport.NewClock(start)
	l := Shared(db, Options{Secret: testsupport.SecretA, Now: clock.Now})
	ctx := context.Background()
	login, search := Budget{Name: "login", PerMinute: 2}, Budget{Name: "search", PerMinute: 60}
	limited := "203.0.113.9"
	for range login.PerMinute {
		l.Allow(ctx, login, limited)
	}
	l.sweepMin = 1 << 8 // a sweep every 256 requests at least, not 4096: the same, sooner
	l.sweepAfter.Store(l.sweepMin)
	n := 3 * int(l.sweepMin)
	for i := range n {
		if !l.Allow(ctx, search, floodAddress(i)) {
			t.Fatalf("new address %d refused", i)
		}
		waitSweeps(l)                    // the sweeps read the clock
		clock.Add(10 * time.Millisecond) // 7.7 s in all: a search token is 1 s, a login one 30 s
	}
	waitSweeps(l)
	if rows, _ := sharedRows(t, db); rows >= int64(n) {
		t.Errorf("%d rows after %d new addresses: the sweeps deleted none", rows, n)
	}
	if l.Allow(ctx, login, limited) {
		t.Error("a sweep gave the limited address its budget back")
	}
}
