-- The editors (issue 13): the editor role, and the knowledge base written in
-- the browser. Every save is a permanent revision; what visitors read is still
-- the translations table (0001), which publishing fills from a revision.
-- Times are unix seconds (UTC).

-- accounts.role gains 'editor'. SQLite cannot change a CHECK constraint; this
-- is the documented way of loosening one (sqlite.org/lang_altertable.html,
-- "Making Other Kinds Of Table Schema Changes"): the stored text is edited and
-- the schema reloaded. Loosening only: every stored row still satisfies it.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
    SET sql = replace(sql, '''agent'', ''admin'')', '''agent'', ''admin'', ''editor'')')
    WHERE type = 'table' AND name = 'accounts';
PRAGMA writable_schema = RESET;

-- What search finds an article by beside its words (the editor's keywords).
ALTER TABLE translations ADD COLUMN keywords TEXT NOT NULL DEFAULT '';

-- One save of one translation, kept forever. base_id is the revision the
-- editor started from (NULL: the first save, or one over the demo text);
-- author_name is the staff member's name when they saved.
CREATE TABLE article_revisions (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang        TEXT    NOT NULL,
    base_id     INTEGER,
    author_id   INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    author_name TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    title       TEXT    NOT NULL,
    slug        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    body_md     TEXT    NOT NULL,
    keywords    TEXT    NOT NULL DEFAULT '',
    category    TEXT    NOT NULL,
    position    INTEGER NOT NULL DEFAULT 0,
    related     TEXT    NOT NULL DEFAULT '', -- article keys, space-separated, in order
    created_at  INTEGER NOT NULL
);

CREATE INDEX article_revisions_by_translation ON article_revisions (article_id, lang, id);

-- Where one translation stands: its newest revision (head), the one visitors
-- read (published), the one waiting for publish_at (scheduled); NULL head or
-- published: the text loaded from the demo files, never saved in the editor.
-- An archived translation's address answers 410, or 301 to the replacement.
CREATE TABLE article_editions (
    article_id     INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang           TEXT    NOT NULL,
    head_id        INTEGER REFERENCES article_revisions (id),
    published_id   INTEGER REFERENCES article_revisions (id),
    state          TEXT    NOT NULL CHECK (state IN ('draft', 'scheduled', 'published', 'archived')),
    scheduled_id   INTEGER REFERENCES article_revisions (id),
    publish_at     INTEGER,
    replacement_id INTEGER REFERENCES articles (id) ON DELETE SET NULL,
    changed_at     INTEGER NOT NULL,
    PRIMARY KEY (article_id, lang)
);

CREATE INDEX article_editions_due ON article_editions (publish_at) WHERE state = 'scheduled';

-- An editor's working copy of a translation: what autosave keeps between
-- saves. It is not a revision; Save makes one from it and removes it.
CREATE TABLE article_working (
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang        TEXT    NOT NULL,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    base_id     INTEGER,
    title       TEXT    NOT NULL,
    slug        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    body_md     TEXT    NOT NULL,
    keywords    TEXT    NOT NULL DEFAULT '',
    saved_at    INTEGER NOT NULL,
    PRIMARY KEY (article_id, lang, account_id)
);

-- Addresses a translation had before its slug changed: they answer 301.
CREATE TABLE article_slugs (
    lang       TEXT    NOT NULL,
    slug       TEXT    NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (lang, slug)
);

-- Counts the changes to what visitors read (publish, unpublish): every
-- instance compares it each second with the one its catalog was loaded at,
-- and reloads when another instance published.
CREATE TABLE kb_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);

INSERT INTO kb_generation (id, n) VALUES (1, 0);
