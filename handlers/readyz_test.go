package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// wantReadyz asks /readyz and checks the status, the plain-text answer's
// start, and that it sets no cookie and is never cached.
func wantReadyz(t *testing.T, a *testApp, status int, prefix string) {
	t.Helper()
	w := a.get(t, "/readyz")
	wantStatus(t, w, status)
	if body := w.Body.String(); !strings.HasPrefix(body, prefix) {
		t.Errorf("/readyz says %q, want it to start with %q", body, prefix)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want plain text", ct)
	}
	if c := w.Header().Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("/readyz sets a cookie: %q", c)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

func TestReadyz_ReadyOnAMigratedPortal(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	wantReadyz(t, a, http.StatusOK, "ready")
	// /healthz stays the process's own answer: alive.
	w := a.get(t, "/healthz")
	wantStatus(t, w, http.StatusOK)
}

func TestReadyz_NotReadyWhenTheDatabaseDoesNotAnswer(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.db.Read.Close()
	wantReadyz(t, a, http.StatusServiceUnavailable, "not ready: database: not answering")
	// Alive all the same: a restart would not help a database that is away.
	wantStatus(t, a.get(t, "/healthz"), http.StatusOK)
}

func TestReadyz_NotReadyWithMigrationsPending(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	// A database restored from before the newest migration, say.
	if _, err := a.db.Write.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	wantReadyz(t, a, http.StatusServiceUnavailable, "not ready: database: 1 migrations pending")
}

func TestReadyz_NewerMigrationsLeaveAnOlderInstanceReady(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	// A newer instance migrated during a rolling upgrade.
	if _, err := a.db.Write.Exec(`INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, '9999_future.sql', '')`); err != nil {
		t.Fatal(err)
	}
	wantReadyz(t, a, http.StatusOK, "ready")
}

func TestReadyz_NotReadyWhenTheOutboxIsStuck(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	queue := func(id string, attempts int, age time.Duration) {
		t.Helper()
		at := time.Now().Add(-age).Unix()
		if _, err := a.db.Write.Exec(`INSERT INTO mail_outbox (message_id, sealed, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
			id, []byte("x"), attempts, time.Now().Add(time.Hour).Unix(), at); err != nil {
			t.Fatal(err)
		}
	}
	// Waiting long without a failure (no sender tried yet), and failing
	// for a short while: both normal.
	queue("never-tried", 0, 3*time.Hour)
	queue("failing-briefly", 3, 10*time.Minute)
	a.h.Ready.TTL = time.Nanosecond // no cached answer between the steps
	wantReadyz(t, a, http.StatusOK, "ready")
	queue("failing-long", 5, 2*time.Hour)
	wantReadyz(t, a, http.StatusServiceUnavailable, "not ready: outbox: mail failing for over 1h0m0s")
	if q, ok, err := a.outbox.OldestFailing(context.Background()); err != nil || !ok || time.Since(q) < 2*time.Hour-time.Minute {
		t.Errorf("OldestFailing = %v, %v, %v", q, ok, err)
	}
}
