package ratelimit

// sqlTakeSQLite is sqlTakePostgres with SQLite's functions (max, min): the
// server keeps its buckets in memory on SQLite (New); the tests run the SQL.
const sqlTakeSQLite = `INSERT INTO rate_buckets AS b (bucket, tokens, at, allowed, full_at)
	VALUES ($1, CAST($2 AS REAL) - 1, CAST($3 AS INTEGER), 1, CAST($3 AS INTEGER) + CAST($5 AS INTEGER))
	ON CONFLICT (bucket) DO UPDATE SET
		tokens = min(CAST($2 AS REAL), b.tokens + max(0, excluded.at - b.at) * CAST($4 AS REAL))
			- CASE WHEN min(CAST($2 AS REAL), b.tokens + max(0, excluded.at - b.at) * CAST($4 AS REAL)) >= 1 THEN 1 ELSE 0 END,
		at = max(b.at, excluded.at),
		allowed = CASE WHEN min(CAST($2 AS REAL), b.tokens + max(0, excluded.at - b.at) * CAST($4 AS REAL)) >= 1 THEN 1 ELSE 0 END,
		full_at = max(b.full_at, excluded.at) + CASE WHEN min(CAST($2 AS REAL), b.tokens + max(0, excluded.at - b.at) * CAST($4 AS REAL)) >= 1 THEN CAST($5 AS INTEGER) ELSE 0 END
	RETURNING allowed`
