package store

import (
	"context"
	"database/sql"
)

// What is SQLite's alone, besides the connection strings and pools of Open
// and the VACUUM INTO of Backup (store.go): the statements below. A PostgreSQL
// store implements these places a second time (docs/ARCHITECTURE.md).

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
// WAL either.
func SecureDelete(ctx context.Context, tx *sql.Tx, fn func() error) error {
	if _, err := tx.ExecContext(ctx, sqlSecureDeleteOn); err != nil {
		return err
	}
	defer tx.ExecContext(ctx, sqlSecureDeleteOff)
	return fn()
}

// Checkpoint copies the WAL into the database file and truncates it. It cannot
// pass readers still on older frames: callers treat it as best effort and a
// later checkpoint finishes the work.
func (db *DB) Checkpoint(ctx context.Context) error {
	_, err := db.Write.ExecContext(ctx, sqlCheckpoint)
	return err
}
