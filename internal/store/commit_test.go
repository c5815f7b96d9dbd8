package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"
)

// The store's own guard of the group committer (tickets' commit_test covers it
// under real ticket traffic): a job's failure undoes that job only, a stopped
// committer finishes nothing more, and the durability switch does not leak to
// other writers.
func TestGroupCommitter_IsolatesFailuresAndRefusesAfterClose(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	if _, err := db.Write.ExecContext(ctx, `CREATE TABLE t (n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	c, err := NewGroupCommitter(ctx, db, 0)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	done := make(chan error, 8)
	for i := range 8 {
		go func() {
			done <- c.Do(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO t (n) VALUES ($1)`, i); err != nil {
					return err
				}
				if i%2 == 1 {
					return boom
				}
				return nil
			})
		}()
	}
	failed := 0
	for range 8 {
		if err := <-done; errors.Is(err, boom) {
			failed++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	var odd, all int
	if err := db.Read.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(n % 2), 0) FROM t`).Scan(&all, &odd); err != nil {
		t.Fatal(err)
	}
	if failed != 4 || all != 4 || odd != 0 {
		t.Fatalf("%d jobs failed; %d rows kept, %d of failed jobs; want 4, 4, 0", failed, all, odd)
	}
	if db.Engine == SQLite {
		var sync int
		if err := db.Write.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil || sync != 1 {
			t.Fatalf("after a group commit: synchronous = %d (%v), want 1 (NORMAL)", sync, err)
		}
	}
	c.Close()
	// Many times: a job must never slip into the queue after the loop ended
	// (it would wait for an answer forever).
	for range 200 {
		answer := make(chan error, 1)
		go func() { answer <- c.Do(ctx, func(*sql.Tx) error { return nil }) }()
		select {
		case err := <-answer:
			if !errors.Is(err, errStopped) {
				t.Fatalf("Do after Close: %v, want %v", err, errStopped)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Do after Close waits forever")
		}
	}
}

// SecureDelete turns secure_delete on for its function only.
func TestSecureDelete_OnlyForItsFunction(t *testing.T) {
	db := openSQLiteTemp(t)
	ctx := context.Background()
	var inside, after int
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		return db.SecureDelete(ctx, tx, func() error {
			return tx.QueryRowContext(ctx, `PRAGMA secure_delete`).Scan(&inside)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Write.QueryRowContext(ctx, `PRAGMA secure_delete`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if inside != 1 || after != 0 {
		t.Fatalf("secure_delete inside = %d, after = %d; want 1, 0", inside, after)
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
}

// On the tests' engine: SecureDelete runs its function in the transaction and
// Checkpoint (PostgreSQL: VACUUM, CHECKPOINT) succeeds after it.
func TestSecureDelete_RunsItsFunctionThenCheckpoints(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	if _, err := db.Write.ExecContext(ctx, `CREATE TABLE t (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.ExecContext(ctx, `INSERT INTO t (v) VALUES ('gone soon')`); err != nil {
		t.Fatal(err)
	}
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		return db.SecureDelete(ctx, tx, func() error {
			_, err := tx.ExecContext(ctx, `DELETE FROM t`)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Read.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows left (%v)", n, err)
	}
}
