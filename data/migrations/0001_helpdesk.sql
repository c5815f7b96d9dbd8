-- The help desk: articles in categories, their translations, the search index,
-- feedback votes and the anonymous search log. Times are unix seconds (UTC),
-- days are whole days since 1970-01-01 (UTC).

CREATE TABLE categories (
    key      TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);

INSERT INTO categories (key, position) VALUES
    ('setup', 1), ('faq', 2), ('howto', 3), ('documents', 4), ('contact', 5), ('technotes', 6);

-- An article is language-independent: what it is about, where it sits, how it is
-- read and rated. Its words live in translations.
CREATE TABLE articles (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    category    TEXT    NOT NULL REFERENCES categories (key),
    position    INTEGER NOT NULL DEFAULT 0,
    source_lang TEXT    NOT NULL,
    views       INTEGER NOT NULL DEFAULT 0,
    helpful_yes INTEGER NOT NULL DEFAULT 0,
    helpful_no  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE INDEX articles_by_category ON articles (category, position);

CREATE TABLE article_related (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    related_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, related_id),
    CHECK (article_id <> related_id)
);

-- One row per article and language. published_at NULL is a draft.
-- source_updated_at is the source translation's updated_at this one was made
-- from: when the source is newer, the translation may be outdated.
CREATE TABLE translations (
    id                INTEGER PRIMARY KEY,
    article_id        INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang              TEXT    NOT NULL,
    slug              TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    body_md           TEXT    NOT NULL,
    published_at      INTEGER,
    updated_at        INTEGER NOT NULL,
    source_updated_at INTEGER NOT NULL,
    UNIQUE (article_id, lang),
    UNIQUE (lang, slug)
);

-- SQLite only: the full-text index of published translations. rowid is the
-- translation id; body is the plain text of the rendered article.
CREATE VIRTUAL TABLE translations_fts USING fts5 (
    title,
    body,
    lang UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- One vote per visitor, article and day. voter is a keyed hash of the address
-- and the day: the address itself is never stored, and the hash links nothing
-- across days. The tally lives in articles; old rows are pruned.
CREATE TABLE article_votes (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    voter      BLOB    NOT NULL,
    day        INTEGER NOT NULL,
    helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    PRIMARY KEY (article_id, voter)
);

CREATE INDEX article_votes_by_day ON article_votes (day);

-- What visitors search for, stripped of personal data: no address, no time of
-- day, personal-looking words redacted before they get here.
CREATE TABLE search_queries (
    lang              TEXT    NOT NULL,
    query             TEXT    NOT NULL,
    searches          INTEGER NOT NULL DEFAULT 0,
    zero_hit_searches INTEGER NOT NULL DEFAULT 0,
    last_hits         INTEGER NOT NULL DEFAULT 0,
    last_day          INTEGER NOT NULL,
    PRIMARY KEY (lang, query)
);
