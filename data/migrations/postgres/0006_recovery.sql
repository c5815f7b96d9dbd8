-- Recover Account (premium users and managers): one private recovery record
-- per account. Nothing here opens without the user: the record (the account's
-- data key) is sealed under HKDF(Argon2id(normalized answer or recovery key,
-- salt), server secret), so neither staff, nor this database alone, nor the
-- server secret alone can open it or test a guess offline.
CREATE TABLE account_recovery (
    account_id      BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    -- "question|ID" or "key", sealed under the usercode key (derived from the
    -- usercode and the server secret): the recovery page can show the
    -- question to whoever types the usercode, the database alone cannot.
    method_sealed   BYTEA    NOT NULL,
    -- Argon2id parameters and salt of the answer or recovery key.
    params          TEXT    NOT NULL,
    -- Random per set-up, bound into the record's additional data: a new
    -- set-up makes every earlier record (and downloaded file) useless.
    record_id       BYTEA    NOT NULL,
    -- The sealed record when kept here; NULL when the user downloaded it as a
    -- file and chose not to keep it on the server.
    record_sealed   BYTEA,
    created_at      BIGINT NOT NULL
);
