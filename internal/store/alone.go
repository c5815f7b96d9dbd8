package store

import (
	"context"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"
)

// AloneRetry is how often an instance that does not hold a job's lock tries
// again: how long a job waits to move on after its instance died.
var AloneRetry = 2 * time.Second

// RunAlone runs fn, a background job's loop (the sweeps, the coalesced
// notifications), on one instance at a time across the instances on db
// (issue 15: work that must run once). On PostgreSQL the instance that takes
// the session advisory lock named by name runs fn; the others try again
// every AloneRetry and take over when it stops or dies (its session ends,
// and the lock with it). When the lock's connection fails fn's context is
// cancelled, since another instance may take the lock. On SQLite (one
// process) it is fn(ctx). It returns when ctx ends or fn returns.
func (db *DB) RunAlone(ctx context.Context, name string, fn func(context.Context)) {
	if db.Engine != Postgres {
		fn(ctx)
		return
	}
	h := fnv.New64a()
	h.Write([]byte("zerodesk.alone." + name))
	key := int64(h.Sum64())
	for ctx.Err() == nil {
		if db.runIfLocked(ctx, key, fn) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(AloneRetry):
		}
	}
}

// runIfLocked runs fn when it gets the lock, and reports whether fn ran to
// its end (not cut short by the lock's connection).
func (db *DB) runIfLocked(ctx context.Context, key int64, fn func(context.Context)) bool {
	conn, err := pgx.Connect(ctx, db.url)
	if err != nil {
		return false
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil || !got {
		return false
	}
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(jctx)
	}()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return true
		case <-t.C:
			if err := conn.Ping(ctx); err != nil {
				cancel()
				<-done
				return ctx.Err() != nil
			}
		}
	}
}
