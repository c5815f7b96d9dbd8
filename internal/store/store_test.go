package store

import (
	"context"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpen_EveryConnectionHasThePragmas(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	var mode string
	if err := db.Read.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	// Hold several read connections at once: each must have foreign keys on.
	conns := make([]interface{ Close() error }, 0, 3)
	for range 3 {
		c, err := db.Read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var fk int
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
			t.Fatalf("foreign_keys = %d, %v", fk, err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	if _, err := db.Read.ExecContext(ctx, "CREATE TABLE x(a)"); err == nil {
		t.Fatal("the read pool accepted a write")
	}
}

func TestMigrate_AppliesInOrderOnce(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	fsys := fstest.MapFS{
		"0002_more.sql":  {Data: []byte("INSERT INTO t(v) VALUES ('second');")},
		"0001_first.sql": {Data: []byte("CREATE TABLE t(v TEXT); INSERT INTO t(v) VALUES ('first');")},
		"README.md":      {Data: []byte("not a migration")},
	}
	applied, err := db.Migrate(ctx, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 2 || applied[0] != 1 || applied[1] != 2 {
		t.Fatalf("applied %v, want [1 2]", applied)
	}
	applied, err = db.Migrate(ctx, fsys)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second run applied %v, %v; want nothing", applied, err)
	}
	var n int
	db.Read.QueryRow("SELECT count(*) FROM t").Scan(&n)
	if n != 2 {
		t.Fatalf("rows = %d, want 2", n)
	}
}

func TestMigrate_FailedMigrationLeavesNoTrace(t *testing.T) {
	db := openTemp(t)
	fsys := fstest.MapFS{"0001_bad.sql": {Data: []byte("CREATE TABLE ok(a); THIS IS NOT SQL;")}}
	if _, err := db.Migrate(context.Background(), fsys); err == nil {
		t.Fatal("a broken migration was accepted")
	}
	var n int
	db.Read.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'ok'").Scan(&n)
	if n != 0 {
		t.Fatal("a failed migration left a table behind")
	}
}

func TestBackup_IsAConsistentCopy(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	db.Write.Exec("CREATE TABLE t(v)")
	db.Write.Exec("INSERT INTO t VALUES (1), (2), (3)")
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, dest); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	copyDB, err := Open(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var n int
	if err := copyDB.Read.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 3 {
		t.Fatalf("copy has %d rows, %v; want 3", n, err)
	}
}
