package ops

import (
	"context"
	"database/sql"
)

// PostgreSQL's side of Integrity (integrity_sqlite.go): the server answers
// and the migrations table reads whole. Page-level checks are the server's
// (data checksums, pg_amcheck), named in docs/OPERATIONS.md.
const sqlIntegrityPostgres = `SELECT count(*) FROM schema_migrations`

func integrityPostgres(ctx context.Context, q *sql.DB) ([]string, error) {
	var n int64
	if err := q.QueryRowContext(ctx, sqlIntegrityPostgres).Scan(&n); err != nil {
		return nil, err
	}
	return nil, nil
}
