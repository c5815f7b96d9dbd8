package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"zerodesk/data"
	"zerodesk/internal/store"
	"zerodesk/internal/store/storetest"
)

func TestMigrationStatus_PendingAndNewer(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	m, err := db.MigrationStatus(ctx, data.MigrationsFor(string(db.Engine)))
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
	m, err = db.MigrationStatus(ctx, data.MigrationsFor(string(db.Engine)))
	if err != nil || m.Current() || len(m.Pending) != 1 || m.Pending[0] != last || len(m.Newer) != 1 || m.Newer[0] != 9001 {
		t.Fatalf("got %+v, %v; want %d pending and 9001 newer", m, err, last)
	}
	if _, err := store.KnownVersions(fstest.MapFS{"nope.sql": {}}); err == nil {
		t.Error("a migration without a number was accepted")
	}
	twice := fstest.MapFS{"0001_a.sql": {}, "0001_b.sql": {}}
	if _, err := store.KnownVersions(twice); err == nil || !strings.Contains(err.Error(), "share version 1") {
		t.Errorf("two migrations of one version: %v", err)
	}
	if _, err := db.Migrate(ctx, twice); err == nil || !strings.Contains(err.Error(), "share version 1") {
		t.Errorf("Migrate of two migrations of one version: %v", err)
	}
}

func TestIntegrity_OKOnAnIntactFile(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	bad, err := db.Integrity(context.Background())
	if err != nil || len(bad) != 0 {
		t.Fatalf("Integrity = %q, %v", bad, err)
	}
}

// What verify opens reads as the database does and writes nothing, on both
// engines: a write through either pool fails, and on SQLite the file's bytes
// stay as they were (a backup never switches to WAL) and a missing file is
// not created.
func TestOpenReadOnly_ReadsAndCannotWrite(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	target := db.URL()
	var before []byte
	if db.Engine == store.SQLite {
		// A backup: a file of its own, in the rollback journal mode VACUUM INTO leaves.
		target = filepath.Join(t.TempDir(), "backup.db")
		if err := db.Backup(ctx, target); err != nil {
			t.Fatal(err)
		}
		var err error
		if before, err = os.ReadFile(target); err != nil {
			t.Fatal(err)
		}
	}
	ro, err := store.OpenReadOnly(target)
	if err != nil {
		t.Fatal(err)
	}
	if ro.Engine != db.Engine {
		t.Errorf("engine %q, want %q", ro.Engine, db.Engine)
	}
	m, err := ro.MigrationStatus(ctx, data.MigrationsFor(string(ro.Engine)))
	if err != nil || !m.Current() {
		t.Errorf("migration status through the read-only open: %+v, %v", m, err)
	}
	if bad, err := ro.Integrity(ctx); err != nil || len(bad) > 0 {
		t.Errorf("Integrity = %q, %v", bad, err)
	}
	for name, exec := range map[string]func() error{
		"Write": func() error {
			_, err := ro.Write.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (9002, '9002_x.sql', '')`)
			return err
		},
		"Read": func() error {
			_, err := ro.Read.ExecContext(ctx, `DELETE FROM schema_migrations`)
			return err
		},
	} {
		if err := exec(); err == nil {
			t.Errorf("a write through the read-only %s pool succeeded", name)
		}
	}
	if err := ro.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if before != nil {
		after, err := os.ReadFile(target)
		if err != nil || !bytes.Equal(before, after) {
			t.Errorf("the backup's bytes changed under a read-only open (%v)", err)
		}
		if _, err := os.Stat(target + "-wal"); err == nil {
			t.Error("the read-only open left a WAL beside the backup")
		}
		missing := filepath.Join(t.TempDir(), "none.db")
		if _, err := store.OpenReadOnly(missing); err == nil || !strings.Contains(err.Error(), "no database at") {
			t.Errorf("OpenReadOnly(missing) = %v, want no database at …", err)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Error("OpenReadOnly created a missing file")
		}
	}
}
