package ops

import (
	"context"

	"zerodesk/internal/store"
)

// What is SQLite's alone: the file's own integrity check. PostgreSQL has no
// equivalent statement (amcheck is an extension): its twin,
// integrity_postgres.go, asks the server to answer and to read the
// migrations table, and leaves page integrity to the server's checksums and
// the operator's pg_amcheck.

const sqlIntegrityCheck = `PRAGMA integrity_check(20)`

// Integrity runs SQLite's integrity check on q and returns its complaints,
// none when the file is intact (at most 20: the first ones say enough). It
// reads every page: for verify, never for readiness.
func Integrity(ctx context.Context, db *store.DB) ([]string, error) {
	if db.Engine == store.Postgres {
		return integrityPostgres(ctx, db.Read)
	}
	rows, err := db.Read.QueryContext(ctx, sqlIntegrityCheck)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		if line != "ok" {
			out = append(out, line)
		}
	}
	return out, rows.Err()
}
