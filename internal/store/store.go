// Package store owns every database mechanic: it opens the database (SQLite,
// modernc, pure Go: a read pool and a single-connection writer on one WAL
// file), applies the embedded migrations, runs transactions, group commits
// (commit.go), prepared statements (prepared.go), secure deletion, checkpoints
// and online backup. What is SQLite's alone sits in db_sqlite.go; the rest is
// portable. Rooms hold their product SQL only (docs/ARCHITECTURE.md).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// DB is the database: Read for queries (many connections), Write for every change
// (one connection, so SQLite never sees two writers and never answers SQLITE_BUSY;
// on PostgreSQL one connection per instance, and each write transaction holds
// the advisory lock WriteLockKey, so there is one writer across instances too).
type DB struct {
	Read  *sql.DB
	Write *sql.DB
	Path  string // the SQLite file; empty on PostgreSQL
	// Engine is the database's engine: SQLite or Postgres.
	Engine Engine

	url string // PostgreSQL's connection URL (maintenance connections)
	// unlocked is PostgreSQL's pool without the write lock (Unlocked).
	unlocked *sql.DB
}

// Engine names a database engine.
type Engine string

// The engines: the embedded SQLite file (the default) and PostgreSQL.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Open opens the database target names: a postgres:// or postgresql:// URL
// is a PostgreSQL database (pgx), anything else the path of a SQLite file,
// created if needed.
func Open(target string) (*DB, error) {
	if IsPostgresURL(target) {
		return openPostgres(target)
	}
	return openSQLite(target)
}

// URL is PostgreSQL's connection URL ("" on SQLite): for a second
// connection to the same database (another instance's, in tests).
func (db *DB) URL() string { return db.url }

// Close closes both pools.
func (db *DB) Close() error {
	err := errors.Join(db.Read.Close(), db.Write.Close())
	if db.unlocked != nil {
		err = errors.Join(err, db.unlocked.Close())
	}
	return err
}

// Tx runs fn in one write transaction (BEGIN IMMEDIATE), committing when fn
// returns nil and rolling back otherwise.
func (db *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Migrate applies, in order, every NNNN_name.sql file of migrations that the
// database has not seen yet, each in its own transaction. It returns the
// versions it applied.
func (db *DB) Migrate(ctx context.Context, migrations fs.FS) ([]int, error) {
	if _, err := db.Write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	all, err := migrationFiles(migrations)
	if err != nil {
		return nil, err
	}

	var applied []int
	for _, m := range all {
		body, err := fs.ReadFile(migrations, m.name)
		if err != nil {
			return applied, err
		}
		err = db.Tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errAlreadyApplied
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if errors.Is(err, errAlreadyApplied) {
			continue
		}
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.name, err)
		}
		applied = append(applied, m.version)
	}
	return applied, nil
}

var errAlreadyApplied = errors.New("already applied")
