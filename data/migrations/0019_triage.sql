-- Issue 14 ("A busy queue"): tags, saved views and merged tickets.
--
-- Tags are staff vocabulary (short normalized labels the agents choose, never
-- customer text): stored plain. ticket_tags is keyed by tag first, so the
-- queue's tag filter reads one index range; ticket_tags_by_ticket lists a
-- ticket's tags. ticket_tag_counts keeps how many tickets carry each tag in
-- the same transactions, so the filter's choices never count the table.
CREATE TABLE ticket_tags (
    tag       TEXT    NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, ticket_id)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_by_ticket ON ticket_tags (ticket_id, tag);

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
