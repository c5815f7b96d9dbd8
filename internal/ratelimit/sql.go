package ratelimit

import "zerodesk/internal/store"

// The shared buckets' statements (data/migrations/0025_rate_buckets.sql). The
// upsert is engine-specific only in its functions' names: sql_postgres.go
// (greatest, least) and sql_sqlite.go (max, min).

// sqlPrune deletes the buckets untouched since $1 (unix ms): full again.
const sqlPrune = `DELETE FROM rate_buckets WHERE at <= $1`

// sqlTake returns the token-bucket upsert of engine.
func sqlTake(engine store.Engine) string {
	if engine == store.Postgres {
		return sqlTakePostgres
	}
	return sqlTakeSQLite
}
