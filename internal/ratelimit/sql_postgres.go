package ratelimit

// sqlTakePostgres counts one request in a bucket and returns whether it fit
// (1) or not (0), in one statement: PostgreSQL runs the upsert under the
// row's lock, so two instances counting one address at once both see each
// other's token. $1 the bucket, $2 the burst (tokens), $3 now (unix ms), $4
// tokens refilled per millisecond. A new bucket starts full and spends one;
// an existing one refills for the time since it was counted (never for time
// going back: another instance's clock may be behind), up to the burst, and
// spends one when it has one.
const sqlTakePostgres = `INSERT INTO rate_buckets AS b (bucket, tokens, at, allowed)
	VALUES ($1, CAST($2 AS DOUBLE PRECISION) - 1, CAST($3 AS BIGINT), 1)
	ON CONFLICT (bucket) DO UPDATE SET
		tokens = least(CAST($2 AS DOUBLE PRECISION), b.tokens + greatest(0, excluded.at - b.at) * CAST($4 AS DOUBLE PRECISION))
			- CASE WHEN least(CAST($2 AS DOUBLE PRECISION), b.tokens + greatest(0, excluded.at - b.at) * CAST($4 AS DOUBLE PRECISION)) >= 1 THEN 1 ELSE 0 END,
		at = greatest(b.at, excluded.at),
		allowed = CASE WHEN least(CAST($2 AS DOUBLE PRECISION), b.tokens + greatest(0, excluded.at - b.at) * CAST($4 AS DOUBLE PRECISION)) >= 1 THEN 1 ELSE 0 END
	RETURNING allowed`
