// Package storetest gives tests a real, migrated database on the engine the
// tests run on (testengine: SQLite by default, PostgreSQL with
// ZERODESK_TEST_ENGINE=postgres), closed when the test ends.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"sync"
	"testing"

	"zerodesk/data"
	"zerodesk/internal/store"
	"zerodesk/internal/store/testengine"
)

// Open returns a migrated database of its own: a temporary SQLite file, or a
// PostgreSQL database cloned from a migrated template.
func Open(t testing.TB) *store.DB {
	t.Helper()
	if testengine.Name() == testengine.SQLite {
		return OpenSQLite(t)
	}
	db, err := store.Open(testengine.Database(t, template(t), func(url string) error {
		db, err := store.Open(url)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.Migrate(context.Background(), data.MigrationsFor(string(db.Engine)))
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenSQLite returns a migrated SQLite database in the test's temporary
// directory, whatever engine the tests run on: for the tests about SQLite
// itself (its files' bytes, its WAL, VACUUM INTO, secure_delete). They run
// on SQLite in both engines' runs, never skipped.
func OpenSQLite(t testing.TB) *store.DB {
	t.Helper()
	return openSQLiteCopy(t) // template.go: migrated once per test process
}

var (
	tmplOnce sync.Once
	tmplName string
)

// template names PostgreSQL's migrated template after its migrations' bytes,
// so a changed migration builds a new one.
func template(t testing.TB) string {
	tmplOnce.Do(func() {
		h := sha256.New()
		fsys := data.MigrationsFor(testengine.Postgres)
		fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			h.Write([]byte(p))
			h.Write(b)
			return err
		})
		tmplName = "zd_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]
	})
	return tmplName
}
