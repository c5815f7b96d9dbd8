-- The secure messaging core (internal/messaging). Every thread has a random
-- key; it is wrapped by the desk key (a subkey of the server secret) and, per
-- participant, by that participant's own key. Each message has its own random
-- key wrapped by the thread key; when a message expires its wrapped key and
-- its ciphertexts (body, attachments) are deleted, so nothing can open it
-- again, not even with the key file. Every seal carries associated data
-- (purpose, thread id, message id) so ciphertexts cannot be moved between rows.
-- Times are unix seconds (UTC); 0 means "not set".

CREATE TABLE msg_threads (
    id           INTEGER PRIMARY KEY,
    -- The thread key under the desk key.
    desk_wrapped BLOB    NOT NULL,
    -- Caller-defined metadata (a ticket's subject) under the thread key.
    meta_sealed  BLOB    NOT NULL,
    created_at   INTEGER NOT NULL
);

-- The thread key wrapped for one participant ("account:42", "guest").
CREATE TABLE msg_participants (
    thread_id   INTEGER NOT NULL REFERENCES msg_threads (id) ON DELETE CASCADE,
    participant TEXT    NOT NULL,
    key_wrapped BLOB    NOT NULL,
    PRIMARY KEY (thread_id, participant)
) WITHOUT ROWID;

CREATE TABLE msg_messages (
    id          INTEGER PRIMARY KEY,
    thread_id   INTEGER NOT NULL REFERENCES msg_threads (id) ON DELETE CASCADE,
    author      TEXT    NOT NULL,
    kind        TEXT    NOT NULL DEFAULT '',
    -- The message key under the thread key, and the body under the message
    -- key. Both NULL once the message expired.
    key_wrapped BLOB,
    body_sealed BLOB,
    created_at  INTEGER NOT NULL,
    release_at  INTEGER NOT NULL DEFAULT 0,
    expires_at  INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX msg_messages_by_thread ON msg_messages (thread_id, id);
CREATE INDEX msg_messages_expiring ON msg_messages (expires_at) WHERE expires_at > 0 AND key_wrapped IS NOT NULL;

-- Name and type, and content, each under the message key. NULL once expired.
CREATE TABLE msg_attachments (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES msg_messages (id) ON DELETE CASCADE,
    size        INTEGER NOT NULL,
    meta_sealed BLOB,
    data_sealed BLOB
);

CREATE INDEX msg_attachments_by_message ON msg_attachments (message_id);

-- Read receipts: who read which message when.
CREATE TABLE msg_receipts (
    message_id  INTEGER NOT NULL REFERENCES msg_messages (id) ON DELETE CASCADE,
    participant TEXT    NOT NULL,
    read_at     INTEGER NOT NULL,
    PRIMARY KEY (message_id, participant)
) WITHOUT ROWID;
