package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"zerodesk/data"
	"zerodesk/internal/store"
)

// openSQLiteCopy is OpenSQLite without migrating every database anew: the product's
// migrations run once per test process, into a template SQLite file whose
// bytes each test then gets a copy of (in its own temporary directory, so
// nothing outlives the test). Migrate still runs on the copy and finds
// nothing to do. Under -race, parsing the migrations' SQL was most of the
// time of a domain test (about half a second per database); the copy is the
// same database. (PostgreSQL's tests clone a migrated template database
// the same way: Open.)
func openSQLiteCopy(t testing.TB) *store.DB {
	t.Helper()
	tmpl, err := migratedTemplate()
	if err != nil {
		t.Fatalf("migrating the template database: %v", err)
	}
	path := filepath.Join(t.TempDir(), "test.db")
	if err := os.WriteFile(path, tmpl, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background(), data.Migrations()); err != nil {
		t.Fatal(err)
	}
	return db
}

// migratedTemplate is the bytes of a freshly migrated database, made once.
var migratedTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "zerodesk-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	db, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(context.Background(), data.Migrations()); err != nil {
		db.Close()
		return nil, err
	}
	// Everything into the main file, so its bytes alone are the database.
	if _, err := db.Write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	if info, err := os.Stat(path + "-wal"); err == nil && info.Size() > 0 {
		return nil, fmt.Errorf("the template's WAL holds %d bytes after a checkpoint", info.Size())
	}
	return os.ReadFile(path)
})
