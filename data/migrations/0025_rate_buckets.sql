-- Issue 15 ("rate limits … shared through the database"): the per-address
-- request rates of the routes (internal/ratelimit), one token bucket per
-- budget and client address, so that several instances on one PostgreSQL
-- share each address's budget instead of giving it once per instance.
-- bucket is a keyed hash of the budget's name and the address (the address
-- itself is never stored), tokens what is left of the burst, at when it was
-- last counted (unix milliseconds), allowed the last request's answer (0/1,
-- what the upsert returns). The accounts' pruning sweep deletes buckets that
-- are full again.
--
-- On SQLite the table stays unused by the server: one process keeps its
-- buckets in memory (ratelimit.New). It exists so both engines have the same
-- tables (TestMigrations_TheEnginesAgree) and so the shared limiter's SQL is
-- tested on both.
CREATE TABLE rate_buckets (
    bucket  BLOB    NOT NULL PRIMARY KEY,
    tokens  REAL    NOT NULL,
    at      INTEGER NOT NULL,
    allowed INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
