-- Issue 15, session 21 (what the per-address limits cost under a flood of
-- addresses): each shared bucket says when it is full again (full_at, unix
-- milliseconds), so the sweeps delete a bucket as soon as it is the same as
-- none (one request of 60 a minute: after a second) instead of a minute after
-- it was last counted, and an instance sweeps after a number of its own
-- requests, not only every 5 minutes (internal/ratelimit, Limits.sweep): a
-- flood of distinct addresses leaves the buckets not yet full, not one row
-- per address of the last 6 minutes.
--
-- The table is recreated, empty (every address has its full budget, as after
-- a crash of the UNLOGGED table), with full_at NOT NULL and no default: an
-- instance still running the previous statement fails its upsert and its own
-- memory buckets decide (ratelimit.Limits.Allow) until it is replaced, rather
-- than writing buckets that would never say when they are full. No index on
-- full_at: the sweep reads the whole (bounded) table, and an index would make
-- every request's update write it too.
DROP TABLE rate_buckets;
CREATE UNLOGGED TABLE rate_buckets (
    bucket  BYTEA            NOT NULL PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    at      BIGINT           NOT NULL,
    allowed BIGINT           NOT NULL DEFAULT 1,
    full_at BIGINT           NOT NULL
);
