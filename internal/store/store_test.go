package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"zerodesk/internal/store/testengine"
)

// tempTarget is an empty database of its own on the engine the tests run on
// (testengine): a SQLite file's path or a PostgreSQL URL.
func tempTarget(t *testing.T) string {
	t.Helper()
	if testengine.Name() == testengine.Postgres {
		return testengine.Database(t, "", nil)
	}
	return filepath.Join(t.TempDir(), "test.db")
}

func openTarget(t *testing.T, target string) *DB {
	t.Helper()
	db, err := Open(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openTemp opens an empty database on the engine the tests run on.
func openTemp(t *testing.T) *DB {
	t.Helper()
	return openTarget(t, tempTarget(t))
}

// openSQLiteTemp opens an empty SQLite file whatever the engine: for the tests
// about SQLite itself, which run on SQLite in both engines' runs.
func openSQLiteTemp(t *testing.T) *DB {
	t.Helper()
	return openTarget(t, filepath.Join(t.TempDir(), "test.db"))
}

func TestOpen_TheEngineFollowsTheTarget(t *testing.T) {
	db := openTemp(t)
	want := SQLite
	if testengine.Name() == testengine.Postgres {
		want = Postgres
	}
	if db.Engine != want {
		t.Fatalf("engine = %q, want %q", db.Engine, want)
	}
	if got := IsPostgresURL("postgresql://x/y"); !got || IsPostgresURL("data/postgres.db") {
		t.Fatal("IsPostgresURL mistakes a file for a server or the other way round")
	}
}

// Both engines: the read pool refuses to write (SQLite: query_only;
// PostgreSQL: default_transaction_read_only), on every connection.
func TestOpen_TheReadPoolRefusesWrites(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	conns := make([]*sql.Conn, 0, 3)
	for range 3 {
		c, err := db.Read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ExecContext(ctx, "CREATE TABLE x (a INTEGER)"); err == nil {
			t.Fatal("a read connection accepted a write")
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
}

// One writer at a time, across instances: two DBs opened on the same database
// (two zerodesk processes) allocate ids with max()+1 inside write transactions,
// concurrently, and never hand out one id twice. SQLite: the file's write
// lock (BEGIN IMMEDIATE); PostgreSQL: the advisory lock WriteLockKey.
func TestWrite_OneWriterAcrossInstances(t *testing.T) {
	target := tempTarget(t)
	a, b := openTarget(t, target), openTarget(t, target)
	ctx := context.Background()
	if _, err := a.Write.ExecContext(ctx, `CREATE TABLE ids (id INTEGER PRIMARY KEY, who TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		db := a
		if i%2 == 1 {
			db = b
		}
		wg.Go(func() {
			errs <- db.Tx(ctx, func(tx *sql.Tx) error {
				var next int64
				if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM ids`).Scan(&next); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO ids (id, who) VALUES ($1, $2)`, next, "x")
				return err
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// A statement outside a transaction takes the lock too.
	if _, err := b.Write.ExecContext(ctx, `INSERT INTO ids (id, who) SELECT coalesce(max(id), 0) + 1, 'y' FROM ids`); err != nil {
		t.Fatal(err)
	}
	var n, top int
	if err := a.Read.QueryRowContext(ctx, `SELECT count(*), max(id) FROM ids`).Scan(&n, &top); err != nil || n != 41 || top != 41 {
		t.Fatalf("%d rows up to id %d (%v); want 41 and 41", n, top, err)
	}
}

func TestOpen_EveryConnectionHasThePragmas(t *testing.T) {
	db := openSQLiteTemp(t)
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
	fsys := fstest.MapFS{"0001_bad.sql": {Data: []byte("CREATE TABLE ok(a TEXT); THIS IS NOT SQL;")}}
	if _, err := db.Migrate(context.Background(), fsys); err == nil {
		t.Fatal("a broken migration was accepted")
	}
	var n int
	if err := db.Read.QueryRow("SELECT count(*) FROM ok").Scan(&n); err == nil {
		t.Fatal("a failed migration left a table behind")
	}
}

// On PostgreSQL, Backup refuses and names the tool that does it.
func TestBackup_OnPostgresNamesPgDump(t *testing.T) {
	db := openTemp(t)
	err := db.Backup(context.Background(), filepath.Join(t.TempDir(), "copy.db"))
	switch {
	case db.Engine == SQLite && err != nil:
		t.Fatal(err)
	case db.Engine == Postgres && (err == nil || !strings.Contains(err.Error(), "pg_dump")):
		t.Fatalf("backup on PostgreSQL: %v; want an error naming pg_dump", err)
	}
}

func TestBackup_IsAConsistentCopy(t *testing.T) {
	db := openSQLiteTemp(t)
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

// Booleans are the integers 1 and 0 on both engines: bound as such, compared
// with = 1, scanned back into a bool.
func TestBooleans_AreIntegersOnBothEngines(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	if _, err := db.Write.ExecContext(ctx, `CREATE TABLE flags (id INTEGER PRIMARY KEY, shared INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO flags (id, shared) VALUES (1, $1), (2, $2)`, true, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var on bool
	var n int
	if err := db.Read.QueryRowContext(ctx, `SELECT shared, (SELECT count(*) FROM flags WHERE shared = $1) FROM flags WHERE shared = 1`, false).Scan(&on, &n); err != nil || !on || n != 1 {
		t.Fatalf("shared = %v, %d rows not shared (%v); want true, 1", on, n, err)
	}
}
