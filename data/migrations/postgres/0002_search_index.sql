-- The format of what the knowledge base writes into translations_fts. The text
-- is cut and folded in Go before it is indexed (Arabic normalized, Chinese and
-- Japanese cut into overlapping bigrams), so when that changes the index must
-- be rebuilt: at start, the knowledge base compares this number with the format
-- it writes and rebuilds the index from translations when it is older.
-- 1: the plain text as rendered (0001).
CREATE TABLE search_index (
    id     BIGINT PRIMARY KEY CHECK (id = 1),
    format BIGINT NOT NULL
);

INSERT INTO search_index (id, format) VALUES (1, 1);
