package ratelimit

import "zerodesk/internal/store"

// The shared buckets' statements (data/migrations/0025_rate_buckets.sql, 0029_rate_buckets_full_at.sql). The
// upsert is engine-specific only in its functions' names: sql_postgres.go
// (greatest, least) and sql_sqlite.go (max, min).

// sqlSweep deletes the buckets full again at $1 (unix ms): the same as none
// (data/migrations/0029_rate_buckets_full_at.sql).
const sqlSweep = `DELETE FROM rate_buckets WHERE full_at <= $1`

// sqlBuckets counts the buckets left: how many requests the next sweep waits
// for (Limits.sweep).
const sqlBuckets = `SELECT count(*) FROM rate_buckets`

// sqlTake returns the token-bucket upsert of engine.
func sqlTake(engine store.Engine) string {
	if engine == store.Postgres {
		return sqlTakePostgres
	}
	return sqlTakeSQLite
}
