package ops_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"zerodesk/data"
	"zerodesk/internal/ops"
	"zerodesk/internal/store/storetest"
)

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
