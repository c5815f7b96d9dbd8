// Package ratelimit holds the per-address request rates of the routes (issue
// 15: "rate limits … shared through the database"). A Budget is n requests a
// minute in bursts of up to n, for each client address: a token bucket that
// starts full, gives one token per request and refills n tokens a minute.
//
// On SQLite (one process) the buckets are in memory. On PostgreSQL, where
// several instances serve one database behind a proxy, they are rows of the
// UNLOGGED table rate_buckets, so an address has its budget once across the
// instances, not once per instance: one upsert per request decides, outside
// the instances' write lock (store.DB.Unlocked). When the database does not
// answer, the instance's own memory buckets decide (see Allow).
//
// What the buckets cost under a flood of distinct addresses is bounded
// (issue 15, session 21): a bucket full again is the same as none and goes
// at the next sweep; the memory keeps at most MaxBuckets, dropping the ones
// closest to full first (Memory); each instance sweeps the shared table
// after a number of its own requests (Limits.sweep). An address whose budget
// is spent keeps its bucket either way (docs/SECURITY.md).
//
// These budgets are a flood bound; the durable limits of the product
// (failed logins and lockouts, ticket limits) are the accounts' and tickets'
// own, in their tables (docs/SECURITY.md).
package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/store"
)

// Budget is one route group's rate: PerMinute requests a minute for each
// address, in bursts of up to PerMinute. Name tells the budgets apart (two
// groups with the same name share the buckets), so it is the same on every
// instance.
type Budget struct {
	Name      string
	PerMinute int
}

// refillPerMilli is how many tokens come back each millisecond.
func (b Budget) refillPerMilli() float64 { return float64(b.PerMinute) / 60000 }

// Limiter answers whether one more request of address fits budget b.
type Limiter interface {
	Allow(ctx context.Context, b Budget, address string) bool
}

// Options are the limits' choices; the zero value is ready on SQLite.
type Options struct {
	// Secret keys the addresses' hashes in the shared buckets: the same on
	// every instance (it is the installation's secret), and never the
	// address itself in the database.
	Secret crypt.Secret
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Log says when the shared buckets fail and the memory ones decide.
	Log *slog.Logger
	// Timeout bounds one shared decision (0: 500 ms); past it the memory
	// buckets decide.
	Timeout time.Duration
}

// Limits is the Limiter of a database: shared buckets on PostgreSQL, memory
// on SQLite.
type Limits struct {
	db      *store.DB // nil: memory only
	key     []byte
	now     func() time.Time
	log     *slog.Logger
	timeout time.Duration
	local   *Memory
	// failedAt is when a failure was last logged (unix seconds): at most
	// one line a minute while the database does not answer.
	failedAt atomic.Int64
	// takes counts this instance's shared requests since its last sweep of
	// the table; at sweepAfter of them, one runs (sweep), sweepMin at least
	// (minPrune; fewer in the tests).
	takes, sweepAfter atomic.Int64
	sweepMin          int64
	sweeping          atomic.Bool
	sweeps            sync.WaitGroup
}

// minPrune is the fewest shared requests of an instance between two of its
// sweeps of the table (Limits.sweep): past the buckets not yet full, the
// table holds at most about this many rows per instance.
const minPrune = 1 << 12

// New returns db's limits: shared through the database on PostgreSQL, in
// memory on SQLite (one process: a write per request on the single writer
// would buy nothing).
func New(db *store.DB, opts Options) *Limits {
	l := &Limits{now: opts.Now, log: opts.Log, timeout: opts.Timeout}
	l.sweepMin = minPrune
	l.sweepAfter.Store(l.sweepMin)
	if l.now == nil {
		l.now = time.Now
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	if l.timeout <= 0 {
		l.timeout = 500 * time.Millisecond
	}
	l.local = NewMemory(l.now)
	if db != nil && db.Engine == store.Postgres {
		l.db, l.key = db, opts.Secret.Subkey("ratelimit.address")
	}
	return l
}

// Shared returns limits on db's table whatever the engine: New's choice on
// PostgreSQL, and on SQLite the same SQL for its tests.
func Shared(db *store.DB, opts Options) *Limits {
	l := New(nil, opts)
	l.db, l.key = db, opts.Secret.Subkey("ratelimit.address")
	return l
}

// Allow reports whether one more request of address fits b, and counts it.
//
// When the shared buckets cannot answer (the database is down or slower than
// the timeout), the instance's memory buckets decide: the address gets the
// budget once per instance for that while, which is what every instance gave
// before the budgets were shared. Refusing everything instead would turn a
// database blip into 429s on pages that need no database (the cached help
// pages), and allowing everything would drop the flood bound; neither is
// wanted of a flood bound (the lockouts, which are the security limit, need
// the database anyway and fail closed with it). Never an error.
func (l *Limits) Allow(ctx context.Context, b Budget, address string) bool {
	if l.db == nil {
		return l.local.Allow(ctx, b, address)
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	ok, err := l.take(ctx, b, address)
	if err == nil {
		if l.takes.Add(1) >= l.sweepAfter.Load() && l.sweeping.CompareAndSwap(false, true) {
			l.sweeps.Go(l.sweep)
		}
		return ok
	}
	if now := l.now().Unix(); now-l.failedAt.Load() >= 60 {
		l.failedAt.Store(now)
		l.log.Warn("ratelimit: the shared buckets did not answer; this instance's memory decides", "err", err)
	}
	return l.local.Allow(ctx, b, address)
}

// take is the shared decision: one statement, atomic on the bucket's row.
func (l *Limits) take(ctx context.Context, b Budget, address string) (bool, error) {
	if b.PerMinute <= 0 {
		return false, nil
	}
	bucket := crypt.KeyedHash(l.key, b.Name, address)
	var allowed int64
	err := l.db.Unlocked().QueryRowContext(ctx, sqlTake(l.db.Engine), bucket,
		float64(b.PerMinute), l.now().UnixMilli(), b.refillPerMilli(), b.tokenMillis()).Scan(&allowed)
	if err != nil {
		return false, errs.Wrap(err, "ratelimit: take")
	}
	return allowed == 1, nil
}

// tokenMillis is how many milliseconds one token of b takes to come back,
// rounded up (a bucket's full_at is never early).
func (b Budget) tokenMillis() int64 { return (60000 + int64(b.PerMinute) - 1) / int64(b.PerMinute) }

// Prune deletes the shared buckets that are full again and forgets the
// memory ones full again.
func (l *Limits) Prune(ctx context.Context) error {
	l.local.prune()
	if l.db == nil {
		return nil
	}
	_, err := l.prune(ctx)
	return err
}

// prune deletes the shared buckets full again (by this instance's clock) and
// returns how many are left.
func (l *Limits) prune(ctx context.Context) (int64, error) {
	if _, err := l.db.Unlocked().ExecContext(ctx, sqlSweep, l.now().UnixMilli()); err != nil {
		return 0, errs.Wrap(err, "ratelimit: prune")
	}
	if l.db.Engine == store.Postgres {
		if _, err := l.db.Unlocked().ExecContext(ctx, sqlVacuumPostgres); err != nil {
			return 0, errs.Wrap(err, "ratelimit: vacuum")
		}
	}
	var left int64
	err := l.db.Read.QueryRowContext(ctx, sqlBuckets).Scan(&left)
	return left, errs.Wrap(err, "ratelimit: count buckets")
}

// sweep is the pruning of the shared table that this instance's own requests
// pay for, besides the pruning job's every 5 minutes (Run): it runs once
// this instance has counted as many requests as the last sweep left buckets
// (minPrune at least), in the background, one at a time. So under a flood
// of distinct addresses the table holds the buckets not yet full (one request
// of 60 a minute: for a second) and at most about as many rows again per
// instance, and a sweep's walk of the table is paid by as many requests.
func (l *Limits) sweep() {
	defer l.sweeping.Store(false)
	l.takes.Store(0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	left, err := l.prune(ctx)
	if err != nil {
		l.log.Warn("ratelimit: sweep of the shared buckets", "err", err)
		return
	}
	l.sweepAfter.Store(max(l.sweepMin, left))
}

// Run prunes every 5 minutes until ctx ends: on PostgreSQL under the accounts'
// pruning job (serve), so one instance sweeps.
func (l *Limits) Run(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		if err := l.Prune(ctx); err != nil && ctx.Err() == nil {
			l.log.Error("ratelimit: prune", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
