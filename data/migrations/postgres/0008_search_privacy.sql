-- A query's text is kept (search_queries) only once several different
-- visitors have searched it. Until then only keyed hashes are stored: of the
-- query (query_hash, HMAC with a server subkey) and of each visitor (HMAC of
-- address and day: never the address), with the counts.
CREATE TABLE search_hidden (
    lang              TEXT    NOT NULL,
    query_hash        BYTEA    NOT NULL,
    searches          BIGINT NOT NULL DEFAULT 0,
    zero_hit_searches BIGINT NOT NULL DEFAULT 0,
    last_hits         BIGINT NOT NULL DEFAULT 0,
    last_day          BIGINT NOT NULL,
    PRIMARY KEY (lang, query_hash)
);

CREATE INDEX search_hidden_by_day ON search_hidden (last_day);

CREATE TABLE search_visitors (
    lang       TEXT    NOT NULL,
    query_hash BYTEA    NOT NULL,
    visitor    BYTEA    NOT NULL,
    day        BIGINT NOT NULL,
    PRIMARY KEY (lang, query_hash, visitor)
);

CREATE INDEX search_visitors_by_day ON search_visitors (day);

-- Texts logged before this rule was one visitor's word: start over.
DELETE FROM search_queries;
