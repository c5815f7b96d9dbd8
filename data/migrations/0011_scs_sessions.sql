-- Signed-in sessions on scs v2 (issue 12). scs owns the life cycle; its store
-- (internal/store/sessions.go) keeps one row per session: the token as scs
-- hands it over (HashTokenInStore: SHA-256 of the token, kept as its 32
-- bytes), scs's encoded session data (account id, the data key wrapped under
-- a key derived from the raw token and the server secret, the absolute end)
-- and the expiry (unix milliseconds; the sooner of idle and absolute end).
CREATE TABLE sessions (
    token  BLOB    PRIMARY KEY,
    data   BLOB    NOT NULL,
    expiry INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_by_expiry ON sessions (expiry);

-- The per-account index stays ours (scs lists no sessions per account). Each
-- line belongs to one scs row: deleting the row (logout, expiry, renewal,
-- sweep) deletes the line in the same statement. The data key moved into
-- scs's data; the sessions from before this migration end (everyone signs in
-- again once). Ids are never reused (AUTOINCREMENT): a request still holding
-- an ended session's id must not reach a newer line.
DROP TABLE account_sessions;

CREATE TABLE account_sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   BLOB    NOT NULL UNIQUE REFERENCES sessions (token) ON DELETE CASCADE,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    stage        TEXT    NOT NULL CHECK (stage IN ('second_factor', 'full')),
    label        TEXT    NOT NULL DEFAULT '',
    failures     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

CREATE INDEX account_sessions_by_account ON account_sessions (account_id);
