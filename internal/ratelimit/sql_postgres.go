package ratelimit

// sqlTakePostgres counts one request in a bucket and returns whether it fit
// (1) or not (0), in one statement: PostgreSQL runs the upsert under the
// row's lock, so two instances counting one address at once both see each
// other's token. $1 the bucket, $2 the burst (tokens), $3 now (unix ms), $4
// tokens refilled per millisecond, $5 the milliseconds one token takes to
// come back (rounded up). A new bucket starts full and spends one; an
// existing one refills for the time since it was counted (never for time
// going back: another instance's clock may be behind), up to the burst, and
// spends one when it has one. full_at is when the bucket is full again: the
// later of its last full_at and now, plus one token's time per token spent
// (the same moment as at + (burst - tokens) / refill, never earlier), which
// is all the sweeps read (sqlSweep).
const sqlTakePostgres = `INSERT INTO rate_buckets AS b (bucket, tokens, at, allowed, full_at)
	VALUES ($1, CAST($2 AS DOUBLE PRECISION) - 1, CAST($3 AS BIGINT), 1, CAST($3 AS BIGINT) + CAST($5 AS BIGINT))
	ON CONFLICT (bucket) DO UPDATE SET
		tokens = least(CAST($2 AS DOUBLE PRECISION), b.tokens + greatest(0, excluded.at - b.at) * CAST($4 AS DOUBLE PRECISION))
			- CASE WHEN least(CAST($2 AS DOUBLE PRECISION), b.tokens + greatest(0, excluded.at - b.at) * CAST($4 AS DOUBLE PRECISION)) >= 1 THEN 1 ELSE 0 END,
		at = greatest(b.at, excluded.at),
		allowed = CASE WHEN least(CAST($2 AS DOUBLE PRECISION), b.tokens + greatest(0, excluded.at - b.at) * CAST($4 AS DOUBLE PRECISION)) >= 1 THEN 1 ELSE 0 END,
		full_at = greatest(b.full_at, excluded.at) + CASE WHEN least(CAST($2 AS DOUBLE PRECISION), b.tokens + greatest(0, excluded.at - b.at) * CAST($4 AS DOUBLE PRECISION)) >= 1 THEN CAST($5 AS BIGINT) ELSE 0 END
	RETURNING allowed`

// sqlVacuumPostgres makes the room of the rows a sweep deleted (and of the
// versions the upserts left) free for the next ones at once, rather than at
// autovacuum's next pass: the table's file then stays about the size of the
// rows written between two sweeps. SKIP_LOCKED: when another instance is
// vacuuming it, that one does.
const sqlVacuumPostgres = `VACUUM (SKIP_LOCKED) rate_buckets`
