-- Issue 14 ("Being told"): agents' notifications (internal/notify). Nothing
-- here holds ticket content: a notification is an agent, a kind and a ticket
-- id (the reference is read from tickets when listed); an internal note's
-- mention is detected before the note is sealed and only its reference kept.

-- What the mail needs of an agent who entered the desk: the address under a
-- notify subkey, the language of the mail, and the coalescing state (the last
-- mail sent, and since when events wait for the next one; 0 = none).
CREATE TABLE notify_agents (
    account_id    INTEGER PRIMARY KEY,
    email_sealed  BLOB    NOT NULL,
    lang          TEXT    NOT NULL,
    last_mail_at  INTEGER NOT NULL DEFAULT 0,
    pending_since INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notify_agents_pending ON notify_agents (pending_since) WHERE pending_since > 0;

-- An agent's choice per kind (absent: the kind's default, notify.Defaults).
CREATE TABLE notify_prefs (
    account_id INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    desk       INTEGER NOT NULL,
    mail       INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind)
) WITHOUT ROWID;

-- The topics an agent follows (a new ticket there notifies them).
CREATE TABLE notify_topics (
    account_id INTEGER NOT NULL,
    topic      TEXT    NOT NULL,
    PRIMARY KEY (account_id, topic)
) WITHOUT ROWID;
CREATE INDEX notify_topics_by_topic ON notify_topics (topic, account_id);

-- The desk's notification list. read_at 0 = unread.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('new_ticket', 'customer_reply', 'assigned', 'mention', 'sla_at_risk', 'sla_breached')),
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    read_at    INTEGER NOT NULL DEFAULT 0
);
-- The unread count every poll asks for: counted in this index alone.
CREATE INDEX notifications_unread ON notifications (agent_id) WHERE read_at = 0;
CREATE INDEX notifications_by_agent ON notifications (agent_id, id);
CREATE INDEX notifications_by_ticket ON notifications (ticket_id);

-- Events told once only (the SLA sweep's at-risk and breached, per ticket,
-- kind and agent), whatever the agent's channels.
CREATE TABLE notify_once (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL,
    agent_id  INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, kind, agent_id)
) WITHOUT ROWID;
