-- Issue 14 ("A busy queue"): the queue filtered by a custom field's value
-- reads one index range in queue order, as the tag filter does
-- (0019_triage.sql).
--
-- ticket_field_index held only the blind index entries (hash, ticket,
-- field): a common value's page joined thousands of tickets by id to sort
-- and count them (19-25 times the default view at 100,000 tickets). Each
-- entry now carries a copy of its ticket's queue columns (closed, next_due,
-- updated_at, status, priority, topic, assignee), kept by the trigger below
-- in the same statement as every change of the ticket, and its indexes are
-- the queue's, led by the hash: a page reads 20 index entries in order, a
-- total counts one index range (the value alone, or with a status: reads
-- ticket_field_counts, below). The copies are the ticket row's own plain
-- columns, which the entry's ticket_id already leads to: they tell nothing
-- the database did not tell (docs/SECURITY.md, "Custom fields per topic").
CREATE TABLE ticket_field_index_new (
    hash        INTEGER NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    field_id    INTEGER NOT NULL,
    closed      INTEGER NOT NULL,
    next_due    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    status      TEXT    NOT NULL,
    priority    TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    assignee_id INTEGER NOT NULL,
    PRIMARY KEY (hash, ticket_id)
) WITHOUT ROWID;
INSERT INTO ticket_field_index_new (hash, ticket_id, field_id, closed, next_due, updated_at, status, priority, topic, assignee_id)
    SELECT f.hash, f.ticket_id, f.field_id, t.closed, t.next_due, t.updated_at, t.status, t.priority, t.topic, t.assignee_id
    FROM ticket_field_index f JOIN tickets t ON t.id = f.ticket_id;
DROP TABLE ticket_field_index;
ALTER TABLE ticket_field_index_new RENAME TO ticket_field_index;

CREATE INDEX ticket_field_index_by_ticket ON ticket_field_index (ticket_id, field_id);
CREATE INDEX ticket_field_index_queue ON ticket_field_index (hash, closed, next_due, updated_at DESC, status, priority, topic, assignee_id);
CREATE INDEX ticket_field_index_by_status ON ticket_field_index (hash, status, next_due, updated_at DESC, priority, topic, assignee_id);
CREATE INDEX ticket_field_index_by_priority ON ticket_field_index (hash, priority, closed, next_due, updated_at DESC, status, topic, assignee_id);
CREATE INDEX ticket_field_index_by_assignee ON ticket_field_index (hash, assignee_id, closed, next_due, updated_at DESC, status, priority, topic);
CREATE INDEX ticket_field_index_by_updated ON ticket_field_index (hash, closed, updated_at DESC, ticket_id DESC, status, priority, topic, assignee_id);

CREATE TRIGGER ticket_field_index_follow AFTER UPDATE OF closed, next_due, updated_at, status, priority, topic, assignee_id ON tickets
BEGIN
    UPDATE ticket_field_index SET closed = NEW.closed, next_due = NEW.next_due, updated_at = NEW.updated_at, status = NEW.status,
        priority = NEW.priority, topic = NEW.topic, assignee_id = NEW.assignee_id
    WHERE ticket_id = NEW.id;
END;

-- How many entries each value has per status, kept by the triggers below in
-- the same statements as the entries: the total of a page filtered by the
-- value alone (or with a status) reads at most five rows instead of
-- counting thousands of entries. A value's row goes with its last entry.
CREATE TABLE ticket_field_counts (
    hash   INTEGER NOT NULL,
    status TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (hash, status)
) WITHOUT ROWID;
INSERT INTO ticket_field_counts (hash, status, n) SELECT hash, status, count(*) FROM ticket_field_index GROUP BY hash, status;

CREATE TRIGGER ticket_field_counts_add AFTER INSERT ON ticket_field_index
BEGIN
    INSERT INTO ticket_field_counts (hash, status, n) VALUES (NEW.hash, NEW.status, 1)
        ON CONFLICT (hash, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ticket_field_counts_remove AFTER DELETE ON ticket_field_index
BEGIN
    UPDATE ticket_field_counts SET n = n - 1 WHERE hash = OLD.hash AND status = OLD.status;
    DELETE FROM ticket_field_counts WHERE hash = OLD.hash AND status = OLD.status AND n <= 0;
END;

CREATE TRIGGER ticket_field_counts_move AFTER UPDATE OF hash, status ON ticket_field_index
WHEN OLD.hash <> NEW.hash OR OLD.status <> NEW.status
BEGIN
    UPDATE ticket_field_counts SET n = n - 1 WHERE hash = OLD.hash AND status = OLD.status;
    DELETE FROM ticket_field_counts WHERE hash = OLD.hash AND status = OLD.status AND n <= 0;
    INSERT INTO ticket_field_counts (hash, status, n) VALUES (NEW.hash, NEW.status, 1)
        ON CONFLICT (hash, status) DO UPDATE SET n = n + 1;
END;
