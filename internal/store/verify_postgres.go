package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL's side of verify.go: read-only sessions and what the integrity
// check can ask of a server.

// openPostgresReadOnly opens two pools of read-only sessions on the database
// at url: Read as Open's, and Write one such connection (never the write
// lock: nothing is written).
func openPostgresReadOnly(url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %w", err)
	}
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	open := func(conns int) *sql.DB {
		db := sql.OpenDB(readConnector{stdlib.GetConnector(*cfg)})
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		return db
	}
	read, write := open(4), open(1)
	if err := read.Ping(); err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("open PostgreSQL %s: %w", redact(cfg), err)
	}
	return &DB{Read: read, Write: write, Engine: Postgres, url: url}, nil
}

// The server answers and the migrations table reads whole. Page-level
// checks are the server's (data checksums, pg_amcheck), named in
// docs/OPERATIONS.md.
const sqlIntegrityPostgres = `SELECT count(*) FROM schema_migrations`

func (db *DB) integrityPostgres(ctx context.Context) ([]string, error) {
	var n int64
	if err := db.Read.QueryRowContext(ctx, sqlIntegrityPostgres).Scan(&n); err != nil {
		return nil, err
	}
	return nil, nil
}
