// Package storetest gives tests a real SQLite database: a temporary file,
// migrated with the product's migrations, closed when the test ends.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"zerodesk/data"
	"zerodesk/internal/store"
)

// Open returns a migrated database in the test's temporary directory.
func Open(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background(), data.Migrations()); err != nil {
		t.Fatal(err)
	}
	return db
}
