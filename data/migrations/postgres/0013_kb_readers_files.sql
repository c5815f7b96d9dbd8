-- Issue 13, items 8 and 9: the editors' files and what readers tell editors.

-- Files editors upload for articles (images and PDFs). Public help-desk
-- content, stored plain (docs/SECURITY.md), with image metadata (EXIF, XMP,
-- text chunks) stripped before it gets here. hash is the SHA-256 of data, as
-- lowercase hex: the file's immutable address is /files/HASH.EXT. name is
-- the name the file was uploaded with, for the editors' list only;
-- uploaded_by is the editor's account (NULL once that account is deleted).
CREATE TABLE kb_files (
    hash         TEXT    NOT NULL PRIMARY KEY,
    ext          TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         BIGINT NOT NULL,
    width        BIGINT NOT NULL DEFAULT 0,
    height       BIGINT NOT NULL DEFAULT 0,
    name         TEXT    NOT NULL,
    uploaded_by  BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    data         BYTEA    NOT NULL
);

CREATE INDEX kb_files_by_time ON kb_files (created_at, hash);

-- Readers' numbers per article, language (of the page) and day: counts only,
-- no address, no time of day, nothing about a person.
CREATE TABLE article_daily (
    article_id  BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang        TEXT    NOT NULL,
    day         BIGINT NOT NULL,
    views       BIGINT NOT NULL DEFAULT 0,
    helpful_yes BIGINT NOT NULL DEFAULT 0,
    helpful_no  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, lang, day)
);

CREATE INDEX article_daily_by_day ON article_daily (day);

-- Why an article did not help, from a fixed list (kb.Reasons): nothing a
-- reader types is kept.
CREATE TABLE article_reasons (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang       TEXT    NOT NULL,
    day        BIGINT NOT NULL,
    reason     TEXT    NOT NULL,
    count      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, lang, day, reason)
);

-- Today's vote remembers its page language and reason, so a changed vote
-- moves exactly its own counts; the rows are pruned daily as before.
ALTER TABLE article_votes ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE article_votes ADD COLUMN reason TEXT NOT NULL DEFAULT '';
