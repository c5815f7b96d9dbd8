-- Issue 14 ("A busy queue"): custom fields per topic.
--
-- topic_fields are the admins' definitions: staff settings, stored plain
-- (labels per language as JSON, the options of a choice as a JSON list). A
-- removed field keeps its row (removed = 1): tickets still name the values
-- they carry. The values themselves are never here: they are sealed in the
-- ticket's thread metadata, under the ticket's key, like its subject.
CREATE TABLE topic_fields (
    id       INTEGER PRIMARY KEY,
    topic    TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    labels   TEXT    NOT NULL,
    options  TEXT    NOT NULL DEFAULT '[]',
    required INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0,
    removed  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX topic_fields_by_topic ON topic_fields (topic, removed, position);

-- The blind index of field values: a keyed hash (HMAC under a subkey of the
-- server secret) of (field, normalized value) per ticket, so the queue
-- filters "field = value" without the value in the database
-- (docs/SECURITY.md says what it reveals).
CREATE TABLE ticket_field_index (
    hash      INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    field_id  INTEGER NOT NULL,
    PRIMARY KEY (hash, ticket_id)
) WITHOUT ROWID;
CREATE INDEX ticket_field_index_by_ticket ON ticket_field_index (ticket_id, field_id);
