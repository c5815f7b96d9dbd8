-- Issue 15 ("Caches stay correct across instances … within a second") at
-- large catalogs: what each move of kb_generation changed, written in the
-- transaction that moves it, so that the other instances patch their
-- catalogs (kb.Refresh) instead of building them whole. A write that took
-- the generation from since to generation leaves one row per article it
-- changed (kind 0, article_id the article), or one row of kind 1 (the
-- categories only, article_id 0) or of kind 2 (everything: build whole,
-- article_id 0). Rows older than the last kb.keptChanges generations are
-- deleted by the writes; an instance further behind builds whole.
CREATE TABLE kb_changes (
    generation BIGINT NOT NULL,
    since      BIGINT NOT NULL,
    kind       BIGINT NOT NULL,
    article_id BIGINT NOT NULL,
    PRIMARY KEY (generation, kind, article_id)
);
