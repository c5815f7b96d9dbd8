package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"
)

// GroupCommitter is group commit: one goroutine gathers the changes waiting at the
// moment into one write transaction, each in its own savepoint (one failing
// change does not undo the others), and commits them with synchronous=FULL,
// so every caller returns only once its change is on disk (fsync of the WAL),
// and 32 concurrent submitters share one fsync instead of queueing for 32.
//
// The store runs WAL with synchronous=NORMAL, where a commit survives a
// process crash but not a power cut until the next checkpoint. A change made
// through the committer (an accepted ticket) must never be lost, so its
// commits switch their connection to FULL for the commit and back to NORMAL
// afterwards (sqlSyncFull, sqlSyncNormal in db_sqlite.go).
type GroupCommitter struct {
	db    *DB
	st    *Prepared
	delay time.Duration
	jobs  chan *job
	once  sync.Once
	quit  chan struct{}
	done  chan struct{} // closed when the loop has ended

	// closing guards the queue: Do sends holding it for reading, Close
	// closes quit holding it for writing, so no job enters the queue after
	// the loop's last look at it.
	closing sync.RWMutex
	closed  bool
}

type job struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
}

const maxBatch = 256

var errStopped = errors.New("store: group committer stopped")

// NewGroupCommitter starts a group committer on db's writer. delay, when
// positive, is how long it waits for more changes after the first of a batch.
func NewGroupCommitter(ctx context.Context, db *DB, delay time.Duration) (*GroupCommitter, error) {
	st, err := Prepare(ctx, db.Write, sqlSavepoint, sqlRollbackTo, sqlRelease)
	if err != nil {
		return nil, err
	}
	c := &GroupCommitter{db: db, st: st, delay: delay, jobs: make(chan *job, maxBatch), quit: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c, nil
}

// Close stops the committer once the changes already queued are committed;
// later changes fail.
func (c *GroupCommitter) Close() {
	c.once.Do(func() {
		c.closing.Lock()
		c.closed = true
		close(c.quit)
		c.closing.Unlock()
	})
	<-c.done
	c.st.Close()
}

// Do runs fn in the next batch, in a savepoint of its own, and waits for the
// batch's durable commit. fn's error undoes fn's changes only.
func (c *GroupCommitter) Do(ctx context.Context, fn func(*sql.Tx) error) error {
	j := &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	c.closing.RLock()
	if c.closed {
		c.closing.RUnlock()
		return errStopped
	}
	select {
	case c.jobs <- j:
	case <-ctx.Done():
		c.closing.RUnlock()
		return ctx.Err()
	}
	c.closing.RUnlock()
	// Once queued the job is answered: run, or skipped when ctx ended first.
	return <-j.done
}

func (c *GroupCommitter) loop() {
	defer close(c.done)
	for {
		var first *job
		select {
		case first = <-c.jobs:
		case <-c.quit:
			// Finish what is queued, then refuse.
			for {
				select {
				case j := <-c.jobs:
					c.run([]*job{j})
				default:
					return
				}
			}
		}
		batch := []*job{first}
		if c.delay > 0 {
			time.Sleep(c.delay)
		}
	gather:
		for len(batch) < maxBatch {
			select {
			case j := <-c.jobs:
				batch = append(batch, j)
			default:
				break gather
			}
		}
		c.run(batch)
	}
}

// run commits one batch and answers every job in it.
func (c *GroupCommitter) run(batch []*job) {
	ctx := context.Background()
	results := make([]error, len(batch))
	err := func() error {
		conn, err := c.db.Write.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		// temp_store=MEMORY keeps the savepoints' sub-journal off the disk.
		// On PostgreSQL every commit is durable already (synchronous_commit
		// = on), and the server groups concurrent commits' WAL flushes.
		if c.db.Engine == SQLite {
			if _, err := conn.ExecContext(ctx, sqlSyncFull); err != nil {
				return err
			}
			defer conn.ExecContext(ctx, sqlSyncNormal)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for i, j := range batch {
			if err := j.ctx.Err(); err != nil {
				results[i] = err
				continue
			}
			if _, err := c.st.Exec(ctx, tx, sqlSavepoint); err != nil {
				tx.Rollback()
				return err
			}
			results[i] = j.fn(tx)
			if results[i] != nil {
				if _, err := c.st.Exec(ctx, tx, sqlRollbackTo); err != nil {
					tx.Rollback()
					return err
				}
			}
			if _, err := c.st.Exec(ctx, tx, sqlRelease); err != nil {
				tx.Rollback()
				return err
			}
		}
		return tx.Commit()
	}()
	for i, j := range batch {
		if err != nil {
			j.done <- err
		} else {
			j.done <- results[i]
		}
	}
}

// The statements around each job (portable: PostgreSQL accepts them as they are).
const (
	sqlSavepoint  = `SAVEPOINT job`
	sqlRollbackTo = `ROLLBACK TO job`
	sqlRelease    = `RELEASE job`
)
