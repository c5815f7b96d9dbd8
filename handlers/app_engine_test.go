package handlers

// The test app on the engine the tests run on (issue 15: "handler and
// browser suites run on SQLite, plus one end-to-end run on PostgreSQL").
//
// With ZERODESK_TEST_ENGINE=postgres (internal/store/testengine) every test
// app's database is a PostgreSQL database of its own, cloned from a template
// seeded with the demo content once per test binary (CREATE DATABASE …
// TEMPLATE: seeding ~90 articles per test would cost seconds each), and
// dropped when the test ends. Everything else is as `zerodesk serve --db
// postgres://…` wires it: handlers.Build on the store, scs sessions in the
// database, the key file in the test's directory, mail as .eml files there.
// Without the variable, SQLite as always: a copy of a seeded file.
//
// A test about SQLite itself (its files, its WAL, its pragmas) opens
// newSQLiteTestApp: it runs on SQLite in both engines' runs, never skipped
// (as storetest.OpenSQLite does for the domain tests).

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"zerodesk/data"
	"zerodesk/internal/crypt"
	"zerodesk/internal/kb"
	"zerodesk/internal/store"
	"zerodesk/internal/store/testengine"
	"zerodesk/internal/tickets"
)

// testTicketLimits are newTestApp's ticket limits: small, so the limit paths
// are reachable in a few requests.
var testTicketLimits = tickets.Limits{PerAddress: 5, PerEmail: 5, MaxAttachmentBytes: 1 << 20}

// newTestApp is the whole portal on its own copy of the seeded demo
// database, on the engine the tests run on.
func newTestApp(t testing.TB) *testApp {
	t.Helper()
	dir := t.TempDir()
	return wireTestApp(t, dir, seededAppDB(t, testengine.Name(), dir), testTicketLimits)
}

// newSQLiteTestApp is newTestApp on SQLite whatever the engine of the run:
// for the tests about SQLite itself (the bytes of its file and WAL, a
// checkpoint). They run in the SQLite run and again, on SQLite, in the
// PostgreSQL one; never skipped.
func newSQLiteTestApp(t testing.TB) *testApp {
	t.Helper()
	dir := t.TempDir()
	return wireTestApp(t, dir, seededAppDB(t, testengine.SQLite, dir), testTicketLimits)
}

// seededAppDB is a test's own copy of the seeded demo database on engine,
// with the seeding's key file copied into dir (sealed data stays readable).
func seededAppDB(t testing.TB, engine, dir string) *store.DB {
	t.Helper()
	return openAppStore(t, seededAppDSN(t, engine, dir))
}

// seededAppDSN makes seededAppDB's database and says where it is, for tests
// that open it more than once (two instances on one database).
func seededAppDSN(t testing.TB, engine, dir string) string {
	t.Helper()
	var from, dsn string
	switch engine {
	case testengine.SQLite:
		from = seededTemplate(t)
		copyFile(t, filepath.Join(from, "zerodesk.db"), filepath.Join(dir, "zerodesk.db"))
		dsn = filepath.Join(dir, "zerodesk.db")
	case testengine.Postgres:
		var name string
		name, from = seededPostgresTemplate(t)
		dsn = testengine.Database(t, name, func(url string) error { return seedPostgres(url, from) })
	default:
		t.Fatalf("engine %q", engine)
	}
	copyFile(t, filepath.Join(from, "zerodesk.key"), filepath.Join(dir, "zerodesk.key"))
	return dsn
}

// emptyAppDB is a database of the test's own with nothing in it on the
// engine the tests run on (dir/zerodesk.db on SQLite, an empty database on
// PostgreSQL): wireTestApp migrates it, as serve does a new installation.
func emptyAppDB(t testing.TB, dir string) *store.DB {
	t.Helper()
	if testengine.Name() == testengine.Postgres {
		return openAppStore(t, testengine.Database(t, "", nil))
	}
	return openAppStore(t, filepath.Join(dir, "zerodesk.db"))
}

func openAppStore(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// seededRenders is the rendered catalog of the engine's seeded template, for
// every app to start from (nil before any seeding; kb renders again what
// does not fit).
func seededRenders(engine store.Engine) *kb.RenderSnapshot {
	if engine == store.Postgres {
		return seededPG.renders.Load()
	}
	return seeded.renders.Load()
}

// seededPG is PostgreSQL's seeded template: its name, private to this test
// binary (testengine.PrivateName: its sealed rows are sealed with this
// binary's key file, and its content is what this binary's code seeds), and
// the directory of that key file.
var seededPG struct {
	once    sync.Once
	name    string
	dir     string
	renders atomic.Pointer[kb.RenderSnapshot]
	err     error
}

func seededPostgresTemplate(t testing.TB) (name, keyDir string) {
	t.Helper()
	seededPG.once.Do(func() {
		seededPG.name = testengine.PrivateName()
		if seededPG.dir, seededPG.err = os.MkdirTemp("", "zerodesk-seeded-pg-"); seededPG.err != nil {
			return
		}
		_, seededPG.err = crypt.LoadOrCreateKeyFile(filepath.Join(seededPG.dir, "zerodesk.key"))
	})
	if seededPG.err != nil {
		t.Fatalf("the PostgreSQL template's key: %v", seededPG.err)
	}
	return seededPG.name, seededPG.dir
}

// seedPostgres migrates the database at url and loads the demo content, as
// serve does on a new installation (testengine.Database runs it once, on the
// template it then clones).
func seedPostgres(url, keyDir string) error {
	ctx := context.Background()
	db, err := store.Open(url)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx, data.MigrationsFor(string(db.Engine))); err != nil {
		return err
	}
	secret, err := crypt.LoadOrCreateKeyFile(filepath.Join(keyDir, "zerodesk.key"))
	if err != nil {
		return err
	}
	articles, err := kb.New(ctx, db, KBOptions(secret))
	if err != nil {
		return err
	}
	if _, err := articles.SeedIfEmpty(ctx, data.Demo()); err != nil {
		return err
	}
	seededPG.renders.Store(articles.RenderSnapshot())
	return nil
}

func removeSeededPostgresKey() {
	if seededPG.dir != "" {
		os.RemoveAll(seededPG.dir)
	}
}

// TestTestApp_RunsOnTheRunsEngine: the test app is on the engine of the run
// (ZERODESK_TEST_ENGINE), seeded with the demo (the home page lists its
// articles, one of them opens), and newSQLiteTestApp is on SQLite whatever
// the run.
func TestTestApp_RunsOnTheRunsEngine(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	if string(a.db.Engine) != testengine.Name() {
		t.Fatalf("the test app is on %s in a run on %s", a.db.Engine, testengine.Name())
	}
	if (a.db.URL() != "") != (a.db.Engine == store.Postgres) {
		t.Fatalf("engine %s, URL %q", a.db.Engine, a.db.URL())
	}
	w := a.get(t, "/en/")
	wantStatus(t, w, http.StatusOK)
	links := wantCount(t, doc(t, w), `main a[href^="/en/articles/"]`, 5)
	wantStatus(t, a.get(t, links.First().AttrOr("href", "")), http.StatusOK)
	if s := newSQLiteTestApp(t); s.db.Engine != store.SQLite {
		t.Fatalf("newSQLiteTestApp is on %s", s.db.Engine)
	}
}
