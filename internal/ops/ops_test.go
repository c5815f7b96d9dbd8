package ops_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"zerodesk/data"
	"zerodesk/internal/ops"
	"zerodesk/internal/store/storetest"
)

func TestMigrationStatus_PendingAndNewer(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	m, err := ops.MigrationStatus(ctx, db.Read, data.Migrations())
	if err != nil || !m.Current() || len(m.Applied) == 0 || len(m.Applied) != len(m.Known) {
		t.Fatalf("a freshly migrated database: %+v, %v", m, err)
	}
	last := m.Known[len(m.Known)-1]
	if _, err := db.Write.Exec(`DELETE FROM schema_migrations WHERE version = $1`, last); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.Exec(`INSERT INTO schema_migrations(version, name, applied_at) VALUES (9001, '9001_future.sql', '')`); err != nil {
		t.Fatal(err)
	}
	m, err = ops.MigrationStatus(ctx, db.Read, data.Migrations())
	if err != nil || m.Current() || len(m.Pending) != 1 || m.Pending[0] != last || len(m.Newer) != 1 || m.Newer[0] != 9001 {
		t.Fatalf("got %+v, %v; want %d pending and 9001 newer", m, err, last)
	}
	if _, err := ops.KnownVersions(fstest.MapFS{"nope.sql": {}}); err == nil {
		t.Error("a migration without a number was accepted")
	}
}

func TestIntegrity_OKOnAnIntactFile(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	bad, err := ops.Integrity(context.Background(), db)
	if err != nil || len(bad) != 0 {
		t.Fatalf("Integrity = %q, %v", bad, err)
	}
}

type fakeOutbox struct {
	at    time.Time
	calls int
}

func (f *fakeOutbox) OldestFailing(context.Context) (time.Time, bool, error) {
	f.calls++
	return f.at, !f.at.IsZero(), nil
}

// The answer is kept for TTL: a load balancer polling hard costs one check
// a second; a change shows after it.
func TestReadiness_CachedForTTLThenChecked(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	now := time.Unix(1_800_000_000, 0)
	box := &fakeOutbox{}
	r := &ops.Readiness{DB: db, Migrations: data.Migrations(), Outbox: box, StuckAfter: 30 * time.Minute,
		Now: func() time.Time { return now }}
	ctx := context.Background()
	for range 50 {
		if got := r.Check(ctx); got != "" {
			t.Fatalf("not ready: %q", got)
		}
	}
	if box.calls != 1 {
		t.Errorf("50 checks within a second asked the outbox %d times, want 1", box.calls)
	}
	box.at = now.Add(-31 * time.Minute)
	if got := r.Check(ctx); got != "" {
		t.Errorf("a change showed before the TTL: %q", got)
	}
	now = now.Add(time.Second)
	if got := r.Check(ctx); !strings.HasPrefix(got, "outbox: mail failing for over 30m0s") {
		t.Errorf("after the TTL: %q, want the stuck outbox", got)
	}
	r2 := &ops.Readiness{DB: db, Migrations: data.Migrations(), Outbox: box, StuckAfter: -1}
	if got := r2.Check(ctx); got != "" {
		t.Errorf("StuckAfter < 0 still checks the outbox: %q", got)
	}
}
