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
ALTER TABLE ticket_field_index
    ADD COLUMN closed      BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN next_due    BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN updated_at  BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN status      TEXT   NOT NULL DEFAULT '',
    ADD COLUMN priority    TEXT   NOT NULL DEFAULT '',
    ADD COLUMN topic       TEXT   NOT NULL DEFAULT '',
    ADD COLUMN assignee_id BIGINT NOT NULL DEFAULT 0;
UPDATE ticket_field_index f SET closed = t.closed, next_due = t.next_due, updated_at = t.updated_at, status = t.status,
    priority = t.priority, topic = t.topic, assignee_id = t.assignee_id
FROM tickets t WHERE t.id = f.ticket_id;
-- No default: every entry is written with its ticket's columns.
ALTER TABLE ticket_field_index
    ALTER COLUMN closed DROP DEFAULT,
    ALTER COLUMN next_due DROP DEFAULT,
    ALTER COLUMN updated_at DROP DEFAULT,
    ALTER COLUMN status DROP DEFAULT,
    ALTER COLUMN priority DROP DEFAULT,
    ALTER COLUMN topic DROP DEFAULT,
    ALTER COLUMN assignee_id DROP DEFAULT;

CREATE INDEX IF NOT EXISTS ticket_field_index_by_ticket ON ticket_field_index (ticket_id, field_id);
CREATE INDEX ticket_field_index_queue ON ticket_field_index (hash, closed, next_due, updated_at DESC, status, priority, topic, assignee_id);
CREATE INDEX ticket_field_index_by_status ON ticket_field_index (hash, status, next_due, updated_at DESC, priority, topic, assignee_id);
CREATE INDEX ticket_field_index_by_priority ON ticket_field_index (hash, priority, closed, next_due, updated_at DESC, status, topic, assignee_id);
CREATE INDEX ticket_field_index_by_assignee ON ticket_field_index (hash, assignee_id, closed, next_due, updated_at DESC, status, priority, topic);
CREATE INDEX ticket_field_index_by_updated ON ticket_field_index (hash, closed, updated_at DESC, ticket_id DESC, status, priority, topic, assignee_id);

CREATE FUNCTION ticket_field_index_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ticket_field_index SET closed = NEW.closed, next_due = NEW.next_due, updated_at = NEW.updated_at, status = NEW.status,
        priority = NEW.priority, topic = NEW.topic, assignee_id = NEW.assignee_id
    WHERE ticket_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ticket_field_index_follow AFTER UPDATE OF closed, next_due, updated_at, status, priority, topic, assignee_id ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_field_index_follow();

-- How many entries each value has per status, kept by the triggers below in
-- the same statements as the entries: the total of a page filtered by the
-- value alone (or with a status) reads at most five rows instead of
-- counting thousands of entries. A value's row goes with its last entry.
CREATE TABLE ticket_field_counts (
    hash   BIGINT NOT NULL,
    status TEXT   NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (hash, status)
);
INSERT INTO ticket_field_counts (hash, status, n) SELECT hash, status, count(*) FROM ticket_field_index GROUP BY hash, status;

CREATE FUNCTION ticket_field_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE ticket_field_counts SET n = n - 1 WHERE hash = OLD.hash AND status = OLD.status;
        DELETE FROM ticket_field_counts WHERE hash = OLD.hash AND status = OLD.status AND n <= 0;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO ticket_field_counts (hash, status, n) VALUES (NEW.hash, NEW.status, 1)
            ON CONFLICT (hash, status) DO UPDATE SET n = ticket_field_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ticket_field_counts_add AFTER INSERT ON ticket_field_index
    FOR EACH ROW EXECUTE FUNCTION ticket_field_counts_follow();
CREATE TRIGGER ticket_field_counts_remove AFTER DELETE ON ticket_field_index
    FOR EACH ROW EXECUTE FUNCTION ticket_field_counts_follow();
CREATE TRIGGER ticket_field_counts_move AFTER UPDATE OF hash, status ON ticket_field_index
    FOR EACH ROW WHEN (OLD.hash <> NEW.hash OR OLD.status <> NEW.status) EXECUTE FUNCTION ticket_field_counts_follow();
