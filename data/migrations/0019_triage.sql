-- Issue 14 ("A busy queue"): tags, saved views and merged tickets.
--
-- Tags are staff vocabulary (short normalized labels the agents choose, never
-- customer text): stored plain. The queue's tag filter must not visit 10,000
-- ticket rows to sort them: ticket_tags carries a copy of each tagged
-- ticket's queue columns (kept by the trigger below, in the same statement
-- as every change of the ticket), and its indexes are the queue's, led by
-- the tag: a page reads 20 index entries in order, a total counts entries
-- of one range. ticket_tag_counts keeps how many tickets carry each tag in
-- the same transactions, so the filter's choices never count the table.
CREATE TABLE ticket_tags (
    tag         TEXT    NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    closed      INTEGER NOT NULL,
    next_due    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    priority    TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    assignee_id INTEGER NOT NULL,
    PRIMARY KEY (tag, ticket_id)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_queue ON ticket_tags (tag, closed, next_due, updated_at DESC, status, priority, topic, assignee_id);
CREATE INDEX ticket_tags_by_status ON ticket_tags (tag, status, next_due, updated_at DESC, priority, topic, assignee_id);
CREATE INDEX ticket_tags_by_priority ON ticket_tags (tag, priority, closed, next_due, updated_at DESC, status, topic, assignee_id);
CREATE INDEX ticket_tags_by_assignee ON ticket_tags (tag, assignee_id, closed, next_due, updated_at DESC, status, priority, topic);
CREATE INDEX ticket_tags_by_updated ON ticket_tags (tag, closed, updated_at DESC);
CREATE INDEX ticket_tags_by_ticket ON ticket_tags (ticket_id);

CREATE TRIGGER ticket_tags_follow AFTER UPDATE OF closed, next_due, updated_at, status, priority, topic, assignee_id ON tickets
BEGIN
    UPDATE ticket_tags SET closed = NEW.closed, next_due = NEW.next_due, updated_at = NEW.updated_at, status = NEW.status,
        priority = NEW.priority, topic = NEW.topic, assignee_id = NEW.assignee_id
    WHERE ticket_id = NEW.id;
END;

CREATE TABLE ticket_tag_counts (
    tag TEXT PRIMARY KEY,
    n   INTEGER NOT NULL
) WITHOUT ROWID;

-- A merged ticket points to the ticket it was merged into (0: not merged).
-- Its thread stays whole; its thread key is also wrapped under the
-- survivor's thread key (participant "thread:ID" in msg_participants), so
-- whoever opens the survivor reads the merged messages and files too.
ALTER TABLE tickets ADD COLUMN merged_into INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tickets_merged ON tickets (merged_into) WHERE merged_into <> 0;

-- The queue sorted by last change ("updated" sort of a saved view).
CREATE INDEX tickets_by_updated ON tickets (closed, updated_at DESC);

-- Saved views of the queue, per agent; shared ones are the team's. filter is
-- JSON of the queue form's fields (status, priority, topic, assignee, tag,
-- text, sort, columns): staff settings, not ticket content.
CREATE TABLE ticket_views (
    id         INTEGER PRIMARY KEY,
    owner_id   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    shared     INTEGER NOT NULL DEFAULT 0,
    filter     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ticket_views_by_owner ON ticket_views (owner_id, name);
CREATE INDEX ticket_views_shared ON ticket_views (name) WHERE shared = 1;
