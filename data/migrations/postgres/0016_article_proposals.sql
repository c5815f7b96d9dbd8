-- Issue 13 ("Who"): agents read drafts and propose an edit. A proposal is a
-- revision of its own (article_revisions, kept forever like every save) that
-- never becomes the head: an editor publishes it (saved again as a new
-- revision from the head, then published) or discards it. decided_by is the
-- editor's name when they decided.
CREATE TABLE article_proposals (
    revision_id BIGINT PRIMARY KEY REFERENCES article_revisions (id) ON DELETE CASCADE,
    article_id  BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    lang        TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'discarded')),
    decided_by  TEXT    NOT NULL DEFAULT '',
    decided_at  BIGINT
);

CREATE INDEX article_proposals_open ON article_proposals (article_id, lang) WHERE state = 'open';
