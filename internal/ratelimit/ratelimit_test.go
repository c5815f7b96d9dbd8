package ratelimit

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
)

var start = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// sameDatabase opens db a second time, as another instance does.
func sameDatabase(t *testing.T, db *store.DB) *store.DB {
	t.Helper()
	target := db.Path
	if db.Engine == store.Postgres {
		target = db.URL()
	}
	other, err := store.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// TestLimits_ATokenBucketPerBudgetAndAddress: a budget of n a minute lets n
// requests through at once, then one per 60/n seconds, never more than n
// saved up; each address and each budget has its own bucket. The same
// table runs on the memory buckets and on the shared ones of the test's
// engine.
func TestLimits_ATokenBucketPerBudgetAndAddress(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	for name, make := range map[string]func(now func() time.Time) Limiter{
		"memory": func(now func() time.Time) Limiter { return NewMemory(now) },
		"shared": func(now func() time.Time) Limiter {
			return Shared(db, Options{Secret: testsupport.SecretA, Now: now})
		},
	} {
		t.Run(name, func(t *testing.T) {
			clock := testsupport.NewClock(start)
			l := make(clock.Now)
			ctx := context.Background()
			search := Budget{Name: "search-" + name, PerMinute: 3}
			allow := func(b Budget, addr string) bool { return l.Allow(ctx, b, addr) }
			for i := range 3 {
				if !allow(search, "203.0.113.9") {
					t.Fatalf("request %d of the burst refused", i+1)
				}
			}
			if allow(search, "203.0.113.9") {
				t.Fatal("a 4th request at once fits a budget of 3")
			}
			if !allow(search, "203.0.113.10") || !allow(Budget{Name: "desk-" + name, PerMinute: 3}, "203.0.113.9") {
				t.Fatal("another address or another budget shares the spent bucket")
			}
			clock.Add(10 * time.Second) // half a token
			if allow(search, "203.0.113.9") {
				t.Fatal("half a token let a request through")
			}
			clock.Add(11 * time.Second) // one token, 21 s after the burst
			if !allow(search, "203.0.113.9") {
				t.Fatal("the token refilled in 20 s was refused")
			}
			if allow(search, "203.0.113.9") {
				t.Fatal("one refilled token let two requests through")
			}
			clock.Add(time.Hour) // full, not 180 tokens
			for i := range 3 {
				if !allow(search, "203.0.113.9") {
					t.Fatalf("after an hour, request %d refused", i+1)
				}
			}
			if allow(search, "203.0.113.9") {
				t.Fatal("an hour of waiting saved more than the burst")
			}
		})
	}
}

// TestLimits_TwoInstancesShareTheBudget: two limits on one database, as two
// instances behind a proxy, spend one bucket per address; at the same
// moment, from many requests at once, exactly the budget gets through.
func TestLimits_TwoInstancesShareTheBudget(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	clock := testsupport.NewClock(start)
	opts := Options{Secret: testsupport.SecretA, Now: clock.Now}
	a, b := Shared(db, opts), Shared(sameDatabase(t, db), opts)
	if db.Engine == store.Postgres {
		a, b = New(db, opts), New(sameDatabase(t, db), opts) // what serve wires
	}
	ctx := context.Background()
	search := Budget{Name: "search", PerMinute: 4}
	for i, l := range []Limiter{a, a, b, b} {
		if !l.Allow(ctx, search, "203.0.113.9") {
			t.Fatalf("request %d of the budget of 4, spent over A and B, refused", i+1)
		}
	}
	if a.Allow(ctx, search, "203.0.113.9") || b.Allow(ctx, search, "203.0.113.9") {
		t.Fatal("A or B let a 5th request through: the instances do not share the budget")
	}

	// Many at once over both: exactly the burst.
	burst := Budget{Name: "burst", PerMinute: 10}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := range 30 {
		l := a
		if i%2 == 1 {
			l = b
		}
		wg.Go(func() {
			if l.Allow(ctx, burst, "198.51.100.4") {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 10 {
		t.Errorf("30 requests at once over two instances: %d allowed, want the budget, 10", allowed.Load())
	}
}

// TestLimits_TheAddressIsNeverStored: a bucket is a keyed hash of the
// budget and the address.
func TestLimits_TheAddressIsNeverStored(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	l := Shared(db, Options{Secret: testsupport.SecretA})
	l.Allow(context.Background(), Budget{Name: "search", PerMinute: 5}, "203.0.113.77")
	var bucket []byte
	if err := db.Read.QueryRow(`SELECT bucket FROM rate_buckets`).Scan(&bucket); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bucket, []byte("203.0.113.77")) || len(bucket) != 32 {
		t.Errorf("bucket %x: want a 32-byte keyed hash", bucket)
	}
}

// TestLimits_WithoutTheDatabaseTheInstanceDecides: when the shared buckets
// do not answer, the instance's memory buckets decide (the budget once per
// instance, never unbounded, never an error), and the log says so once.
func TestLimits_WithoutTheDatabaseTheInstanceDecides(t *testing.T) {
	t.Parallel()
	db := sameDatabase(t, storetest.Open(t))
	var logs testsupport.SyncBuffer
	l := Shared(db, Options{Secret: testsupport.SecretA, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	db.Close()
	ctx := context.Background()
	b := Budget{Name: "search", PerMinute: 2}
	for range 2 {
		if !l.Allow(ctx, b, "203.0.113.9") {
			t.Fatal("without the database, the budget was refused")
		}
	}
	if l.Allow(ctx, b, "203.0.113.9") {
		t.Fatal("without the database, the budget was not kept")
	}
	if n := bytes.Count([]byte(logs.String()), []byte("did not answer")); n != 1 {
		t.Errorf("%d log lines for 3 failures, want 1:\n%s", n, logs.String())
	}
}

// TestLimits_PruneDropsFullBuckets: a bucket full again is the same as none,
// so the sweep deletes it as soon as it is full (one request of 5 a minute:
// after 12 s), not a minute after it was counted; a spent one stays until it
// has refilled.
func TestLimits_PruneDropsFullBuckets(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	clock := testsupport.NewClock(start)
	l := Shared(db, Options{Secret: testsupport.SecretA, Now: clock.Now})
	ctx := context.Background()
	b := Budget{Name: "search", PerMinute: 5}
	l.Allow(ctx, b, "203.0.113.1")
	clock.Add(13 * time.Second)
	for range b.PerMinute {
		l.Allow(ctx, b, "203.0.113.2")
	}
	if err := l.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := sharedRows(t, db); n != 1 {
		t.Errorf("%d buckets 13 s after one request of 5 a minute and a spent budget, want the spent one", n)
	}
	clock.Add(59 * time.Second) // a second short of the 5 tokens back
	if err := l.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := sharedRows(t, db); n != 1 {
		t.Errorf("%d buckets a second before the spent one is full again, want it", n)
	}
	clock.Add(time.Second)
	if err := l.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := sharedRows(t, db); n != 0 {
		t.Errorf("%d buckets once every one is full again, want none", n)
	}
}

// BenchmarkLimits_Allow is the cost of one limited request: the shared
// upsert on the test's engine (PostgreSQL: the price of sharing the budgets,
// bench/RESULTS.md), for one address (every request on one row) and for
// 1000 addresses, and the memory buckets.
func BenchmarkLimits_Allow(b *testing.B) {
	db := storetest.Open(b)
	ctx := context.Background()
	budget := Budget{Name: "search", PerMinute: 1 << 30}
	shared := Shared(db, Options{Secret: testsupport.SecretA})
	for _, c := range []struct {
		name  string
		l     Limiter
		addrs int
	}{{"shared-one-address", shared, 1}, {"shared-1000-addresses", shared, 1000}, {"memory", NewMemory(nil), 1}} {
		b.Run(c.name, func(b *testing.B) {
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					addr := "203.0.113." + strconv.Itoa(int(n.Add(1))%c.addrs)
					if !c.l.Allow(ctx, budget, addr) {
						b.Fatal("refused")
					}
				}
			})
		})
	}
}

// TestLimits_NoWaitForTheWriteLock: on PostgreSQL a decision does not queue
// behind the instances' write transactions (store.DB.Unlocked): while another
// instance holds the write lock, the shared bucket still answers (a wait would
// run past the timeout and hand the decision to memory, which logs).
func TestLimits_NoWaitForTheWriteLock(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	if db.Engine != store.Postgres {
		t.Skip("SQLite: one process, one writer; the limits are in memory")
	}
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Tx(context.Background(), func(*sql.Tx) error { close(held); <-release; return nil })
	}()
	<-held
	defer func() { close(release); <-done }()
	var logs testsupport.SyncBuffer
	l := New(sameDatabase(t, db), Options{Secret: testsupport.SecretA, Log: slog.New(slog.NewTextHandler(&logs, nil)), Timeout: 2 * time.Second})
	began := time.Now()
	if !l.Allow(context.Background(), Budget{Name: "search", PerMinute: 5}, "203.0.113.9") {
		t.Fatal("refused")
	}
	if took := time.Since(began); took > time.Second || logs.String() != "" {
		t.Errorf("a decision under another instance's write lock took %v; log %q", took, logs.String())
	}
	var n int
	if err := db.Read.QueryRow(`SELECT count(*) FROM rate_buckets`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d shared buckets (%v), want 1: the memory decided", n, err)
	}
}
