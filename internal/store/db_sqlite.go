package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// What is SQLite's alone: opening the file with its pragmas and pools, online
// backup, the group committer's durability switch, secure deletion and the
// WAL checkpoint. A PostgreSQL store implements these places a second time
// (docs/ARCHITECTURE.md); everything else in the package is portable.

const (
	// The group committer's durable commit (commit.go): synchronous=FULL for
	// its batch, and the savepoints' sub-journal kept in memory.
	sqlSyncFull   = `PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY`
	sqlSyncNormal = `PRAGMA synchronous = NORMAL; PRAGMA temp_store = DEFAULT`

	sqlSecureDeleteOn  = `PRAGMA secure_delete = ON`
	sqlSecureDeleteOff = `PRAGMA secure_delete = OFF`
	sqlCheckpoint      = `PRAGMA wal_checkpoint(TRUNCATE)`
)

// SecureDelete runs fn in tx with the bytes that fn's deletions free zeroed
// (SQLite's secure_delete), so they are gone from the database file. Follow
// the transaction with Checkpoint, so the old page images do not linger in the
// WAL either. On PostgreSQL it only runs fn: there is no secure_delete, and
// Checkpoint's VACUUM is what frees the deleted rows (db_postgres.go).
func (db *DB) SecureDelete(ctx context.Context, tx *sql.Tx, fn func() error) error {
	if db.Engine == Postgres {
		return fn()
	}
	if _, err := tx.ExecContext(ctx, sqlSecureDeleteOn); err != nil {
		return err
	}
	defer tx.ExecContext(ctx, sqlSecureDeleteOff)
	return fn()
}

// Checkpoint copies the WAL into the database file and truncates it. It cannot
// pass readers still on older frames: callers treat it as best effort and a
// later checkpoint finishes the work.
//
// On PostgreSQL it is VACUUM (the deleted rows' space is freed for reuse and
// their index entries go), then CHECKPOINT so the pages reach the files and
// old WAL segments can be recycled; CHECKPOINT needs a superuser or the
// pg_checkpoint role, and without them it is skipped (the server's own
// checkpoints follow within checkpoint_timeout).
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.Engine == Postgres {
		if err := db.maintain(ctx, "VACUUM"); err != nil {
			return err
		}
		_ = db.maintain(ctx, "CHECKPOINT")
		return nil
	}
	_, err := db.Write.ExecContext(ctx, sqlCheckpoint)
	return err
}

// dsn puts the pragmas in the connection string: a PRAGMA executed once would
// reach only one pooled connection.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// openSQLite opens (creating if needed) the database file at path.
func openSQLite(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	// The writer creates the file and switches it to WAL before any reader opens it.
	if err := write.Ping(); err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		write.Close()
		return nil, err
	}
	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		write.Close()
		return nil, err
	}
	n := max(4, runtime.NumCPU()*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxLifetime(0)
	return &DB{Read: read, Write: write, Path: path, Engine: SQLite}, nil
}

// Backup writes a consistent copy of the live database to dest (VACUUM INTO:
// one read transaction, so writers carry on and the copy is a single point in
// time). dest must not exist yet. On PostgreSQL it refuses and names
// pg_dump.
func (db *DB) Backup(ctx context.Context, dest string) error {
	if db.Engine == Postgres {
		return errBackupPostgres
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists", dest)
	}
	abs, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return err
	}
	// A reader connection, briefly allowed to write its output file: VACUUM INTO
	// only reads the live database, so the single writer is never held up.
	conn, err := db.Read.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA query_only = 1`)
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return os.Chmod(abs, 0o600)
}
