package tickets

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
)

// A SQLite test (SQLite's synchronous pragma).
func TestCommitter_FullSyncAndIsolatedFailures(t *testing.T) {
	t.Parallel()
	e := newEnvSQLite(t, Limits{})
	ctx := context.Background()
	c := e.svc.commits
	var syncMode, temp int
	must(t, c.Do(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRow(`PRAGMA synchronous`).Scan(&syncMode); err != nil {
			return err
		}
		return tx.QueryRow(`PRAGMA temp_store`).Scan(&temp)
	}))
	if syncMode != 2 || temp != 2 {
		t.Fatalf("inside a group commit: synchronous = %d (want 2, FULL), temp_store = %d (want 2, MEMORY)", syncMode, temp)
	}
	// Other writers get the store's NORMAL back.
	must(t, e.db.Write.QueryRow(`PRAGMA synchronous`).Scan(&syncMode))
	if syncMode != 1 {
		t.Fatalf("after a group commit: synchronous = %d, want 1 (NORMAL)", syncMode)
	}

	// Many concurrent jobs: the failing ones leave nothing, the others commit.
	_, err := e.db.Write.Exec(`DELETE FROM ticket_canned`)
	must(t, err)
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.Do(ctx, func(tx *sql.Tx) error {
				if _, err := tx.Exec(`INSERT INTO ticket_canned (lang, title, body) VALUES ('en', $1, 'b')`, i); err != nil {
					return err
				}
				if i%2 == 1 {
					return boom
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%2 == 1) != errors.Is(err, boom) {
			t.Fatalf("job %d: %v", i, err)
		}
	}
	var n int
	must(t, e.db.Read.QueryRow(`SELECT count(*) FROM ticket_canned WHERE CAST(title AS INTEGER) % 2 = 1`).Scan(&n))
	var all int
	must(t, e.db.Read.QueryRow(`SELECT count(*) FROM ticket_canned`).Scan(&all))
	if n != 0 || all != 32 {
		t.Fatalf("%d failed jobs kept their rows; %d rows in all, want 32", n, all)
	}
}
