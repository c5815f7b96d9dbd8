-- Translations side by side (issue 13, item 6). Times are unix seconds (UTC).

-- The source revision a translation follows: set when the translation editor
-- creates it, by "I have updated it" and by "still current"; other saves keep
-- it. 0 is the text the demo files loaded (no revision). NULL: never
-- recorded; the translation then follows the source revision that was newest
-- at its translations.source_updated_at (kb.followsOf).
ALTER TABLE article_editions ADD COLUMN follows_id BIGINT;

-- An article's hold: a new revision of its source is not published until the
-- translations into these languages follow it (kb.SetHolds, kb.Publish).
CREATE TABLE article_holds (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang       TEXT    NOT NULL,
    PRIMARY KEY (article_id, lang)
);

-- Visitors' "ask for a translation" (the support form reached from an
-- article shown in another language): a count per article and language,
-- nothing of who asked or when.
CREATE TABLE translation_requests (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang       TEXT    NOT NULL,
    requests   BIGINT NOT NULL,
    PRIMARY KEY (article_id, lang)
);
