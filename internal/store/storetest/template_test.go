package storetest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"zerodesk/data"
	"zerodesk/internal/store"
)

// schema is every object of db with its SQL, and the migrations it ran.
func schema(t *testing.T, db *store.DB) string {
	t.Helper()
	var b strings.Builder
	rows, err := db.Read.Query(`SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ, name, sql string
		if err := rows.Scan(&typ, &name, &sql); err != nil {
			t.Fatal(err)
		}
		b.WriteString(typ + " " + name + " " + sql + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	vrows, err := db.Read.Query(`SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer vrows.Close()
	for vrows.Next() {
		var v int
		var name string
		if err := vrows.Scan(&v, &name); err != nil {
			t.Fatal(err)
		}
		b.WriteString(name + "\n")
	}
	return b.String()
}

// A copy of the template is the database Open migrates, and each test's copy
// is its own.
func TestOpenSQLite_SameSchemaAsAFreshMigrationAndACopyOfItsOwn(t *testing.T) {
	t.Parallel()
	fresh, a, b := freshSQLite(t), OpenSQLite(t), OpenSQLite(t)
	want := schema(t, fresh)
	if !strings.Contains(want, "schema_migrations") || !strings.Contains(want, "0001_") {
		t.Fatalf("the fresh schema lacks the migrations:\n%s", want)
	}
	for name, db := range map[string]*store.DB{"a": a, "b": b} {
		if got := schema(t, db); got != want {
			t.Errorf("copy %s:\n%s\nwant:\n%s", name, got, want)
		}
	}
	ctx := context.Background()
	if _, err := a.Write.ExecContext(ctx, `CREATE TABLE only_in_a (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(schema(t, b), "only_in_a") {
		t.Fatal("a change to one copy reached another")
	}
	var mode string
	if err := b.Write.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
}

// freshSQLite is a SQLite database migrated anew, what OpenSQLite's copies
// must equal.
func freshSQLite(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background(), data.Migrations()); err != nil {
		t.Fatal(err)
	}
	return db
}
