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
-- UNLOGGED: a bucket is worth a minute, so its writes skip the WAL (no flush
-- at commit, one per limited request); after a crash, or on a standby
-- promoted, the table starts empty and every address has its full budget.
CREATE UNLOGGED TABLE rate_buckets (
    bucket  BYTEA            NOT NULL PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    at      BIGINT           NOT NULL,
    allowed BIGINT           NOT NULL DEFAULT 1
);
