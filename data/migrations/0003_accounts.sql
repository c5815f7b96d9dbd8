-- Accounts without stored secrets, their sessions and login limits, and the
-- mail outbox. Nothing here is a usercode, a password, a phrase or a session
-- token: those are found through keyed hashes and everything personal is
-- sealed (XChaCha20-Poly1305). Which key seals what is written beside each
-- column; "the server secret" lives in the key file, never in this database.
-- Times are unix seconds (UTC).

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    -- HMAC of the normalized usercode under a subkey of the server secret.
    lookup              BLOB    NOT NULL UNIQUE,
    role                TEXT    NOT NULL CHECK (role IN ('basic', 'premium', 'manager', 'agent', 'admin')),
    state               TEXT    NOT NULL CHECK (state IN ('pending', 'active', 'suspended')),
    lang                TEXT    NOT NULL,
    -- HMAC of the lower-cased e-mail address (rate limits, reset by usercode +
    -- e-mail) and the address sealed under a server-held key, so notices can be
    -- sent without the user's password. Several accounts may share an address.
    email_lookup        BLOB    NOT NULL,
    email_sealed        BLOB    NOT NULL,
    -- Pending: under the usercode key. Active: under the data key.
    name_sealed         BLOB    NOT NULL,
    -- Set at the first login. pw_params: Argon2id parameters and salt;
    -- pw_verifier: derived from the Argon2id output and the server secret;
    -- data_key_wrapped: the random data key under the password's key (KEK).
    pw_params           TEXT,
    pw_verifier         BLOB,
    data_key_wrapped    BLOB,
    -- The anti-phishing phrase under the usercode key (derived from the
    -- usercode and the server secret), and that key under the data key so a
    -- signed-in user can change the phrase without typing the usercode again.
    phrase_sealed       BLOB,
    usercode_key_wrapped BLOB,
    -- TOTP secrets under the data key; the last accepted time step makes every
    -- code single-use.
    totp_sealed         BLOB,
    totp_pending_sealed BLOB,
    totp_last_step      INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    activated_at        INTEGER,
    updated_at          INTEGER NOT NULL
);

CREATE INDEX accounts_by_email ON accounts (email_lookup);
CREATE INDEX accounts_by_state ON accounts (state, created_at);

-- Sessions: only SHA-256 of the token is stored; the data key is wrapped by a
-- key derived from the token itself, so a copy of this table opens nothing.
-- stage 'second_factor' is a password-verified session waiting for a TOTP or
-- recovery code; it opens no account page.
CREATE TABLE account_sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB    NOT NULL UNIQUE,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    stage        TEXT    NOT NULL CHECK (stage IN ('second_factor', 'full')),
    key_wrapped  BLOB    NOT NULL,
    label        TEXT    NOT NULL DEFAULT '',
    failures     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

CREATE INDEX account_sessions_by_account ON account_sessions (account_id);
CREATE INDEX account_sessions_by_expiry ON account_sessions (expires_at);

-- Recovery codes for the second factor: keyed hashes, each row deleted when
-- its code is used.
CREATE TABLE account_recovery_codes (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash  BLOB    NOT NULL,
    PRIMARY KEY (account_id, code_hash)
);

-- Short-lived one-time codes sent by e-mail (e-mail change; reset later):
-- one live code per account and purpose, a keyed hash, a try counter.
CREATE TABLE account_codes (
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose        TEXT    NOT NULL,
    code_hash      BLOB    NOT NULL,
    payload_sealed BLOB    NOT NULL,
    tries          INTEGER NOT NULL DEFAULT 0,
    expires_at     INTEGER NOT NULL,
    PRIMARY KEY (account_id, purpose)
);

-- Attempt counters for lockouts and rate limits, persisted so a restart does
-- not reset them. key is a keyed hash (of a usercode, an address, an e-mail
-- address), never the value itself. Rows whose window and lock have passed
-- are pruned.
CREATE TABLE auth_limits (
    scope        TEXT    NOT NULL,
    key          BLOB    NOT NULL,
    window_start INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, key)
);

CREATE INDEX auth_limits_by_window ON auth_limits (window_start);

-- Outgoing mail. Recipient, subject and body are sealed together under a
-- server-held key (a registration mail carries the usercode); a row is deleted
-- once its message is sent. 'failed' rows gave up after the last retry.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    message_id      TEXT    NOT NULL UNIQUE,
    sealed          BLOB    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);

CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
