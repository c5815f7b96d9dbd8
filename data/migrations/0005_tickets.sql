-- Support tickets (internal/tickets), each a thread of the messaging core
-- (0004_messaging.sql), which holds the subject, the customer's name and every
-- message sealed. Here: the ticket's state in plain (status, priority, times,
-- reference), the e-mail sealed under a desk subkey with a keyed hash beside
-- it, the access key only as a keyed hash, and a blind index of keyed word
-- hashes for the queue search. Times are unix seconds (UTC); 0 = not yet.

CREATE TABLE tickets (
    id                 INTEGER PRIMARY KEY,
    -- ZD-XXXX-XXXX, random over an unambiguous alphabet: an identifier.
    reference          TEXT    NOT NULL UNIQUE,
    thread_id          INTEGER NOT NULL REFERENCES msg_threads (id),
    lang               TEXT    NOT NULL,
    topic              TEXT    NOT NULL,
    comment            INTEGER NOT NULL DEFAULT 0,
    status             TEXT    NOT NULL CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
    priority           TEXT    NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    account_id         INTEGER,
    assignee_id        INTEGER NOT NULL DEFAULT 0,
    -- HMAC of the lower-cased address, and the address under a desk subkey.
    email_lookup       BLOB    NOT NULL,
    email_sealed       BLOB    NOT NULL,
    -- HMAC of the access key (guests; NULL for account users' tickets).
    access_hash        BLOB,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    first_response_at  INTEGER NOT NULL DEFAULT 0,
    resolved_at        INTEGER NOT NULL DEFAULT 0,
    first_response_due INTEGER NOT NULL,
    resolution_due     INTEGER NOT NULL,
    -- The next running deadline (first response, else resolution); a large
    -- number once nothing runs (resolved, closed). Overdue = next_due < now,
    -- so the queue's order "overdue first, then by due time" is this column.
    next_due           INTEGER NOT NULL,
    closed             INTEGER NOT NULL DEFAULT 0,
    customer_unread    INTEGER NOT NULL DEFAULT 0,
    desk_unread        INTEGER NOT NULL DEFAULT 1,
    rating_score       INTEGER NOT NULL DEFAULT 0,
    -- The rating comment under the thread key.
    rating_sealed      BLOB,
    rated_at           INTEGER NOT NULL DEFAULT 0
);

-- The queue: "everything open" and "one status", each already in queue order,
-- and one per filter (priority, topic, assignee), also in queue order and
-- carrying the other filter columns, so a page reads 20 entries in order and a
-- filtered total counts index entries without visiting the table.
CREATE INDEX tickets_queue ON tickets (closed, next_due, updated_at DESC, status, priority, topic, assignee_id);
CREATE INDEX tickets_by_status ON tickets (status, next_due, updated_at DESC, priority, topic, assignee_id);
CREATE INDEX tickets_by_priority ON tickets (priority, closed, next_due, updated_at DESC, status, topic, assignee_id);
CREATE INDEX tickets_by_topic ON tickets (topic, closed, next_due, updated_at DESC, status, priority, assignee_id);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id, closed, next_due, updated_at DESC, status, priority, topic);
CREATE INDEX tickets_by_account ON tickets (account_id, updated_at) WHERE account_id IS NOT NULL;
CREATE INDEX tickets_by_email ON tickets (email_lookup, created_at);

-- Tickets per status, kept in the same transactions as the tickets, so the
-- queue's tabs never count 100,000 rows.
CREATE TABLE ticket_counts (
    status TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO ticket_counts (status, n) VALUES ('new', 0), ('open', 0), ('pending', 0), ('resolved', 0), ('closed', 0);

-- Blind index: the first 8 bytes of HMAC(search key, normalized word) of the
-- subject, bodies and reference. Reveals which tickets share a word, not words.
CREATE TABLE ticket_words (
    word      INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    PRIMARY KEY (word, ticket_id)
) WITHOUT ROWID;

-- History. actor: 'customer', 'system' or 'agent:ID'; from/to: statuses,
-- priorities, agent ids.
CREATE TABLE ticket_events (
    id        INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    from_val  TEXT    NOT NULL DEFAULT '',
    to_val    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX ticket_events_by_ticket ON ticket_events (ticket_id, id);

-- Desk agents' display names, under a desk subkey.
CREATE TABLE ticket_agents (
    account_id INTEGER PRIMARY KEY,
    name_sealed BLOB   NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Forms already accepted (keyed hash of the form nonce): a replay is refused.
CREATE TABLE ticket_forms (
    form_hash  BLOB    PRIMARY KEY,
    reference  TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ticket_forms_by_age ON ticket_forms (created_at);

-- Rate-limit counters (per address, per e-mail, wrong access keys per
-- reference); key is a keyed hash, never the value.
CREATE TABLE ticket_limits (
    scope        TEXT    NOT NULL,
    key          BLOB    NOT NULL,
    window_start INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;

-- Customer notices for agent replies released later: sent by Run when due.
CREATE TABLE ticket_notices (
    message_id INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    due_at     INTEGER NOT NULL
);
CREATE INDEX ticket_notices_due ON ticket_notices (due_at);

-- Topics editors control: names per language as JSON (not secret).
CREATE TABLE ticket_topics (
    key      TEXT    PRIMARY KEY,
    names    TEXT    NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    active   INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE ticket_canned (
    id    INTEGER PRIMARY KEY,
    lang  TEXT NOT NULL,
    title TEXT NOT NULL,
    body  TEXT NOT NULL
);
CREATE INDEX ticket_canned_by_lang ON ticket_canned (lang, title);
