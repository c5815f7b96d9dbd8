package kb

import (
	"context"
	"database/sql"
	"strings"
	"unicode/utf8"
)

// sqliteFTS is the full-text index on SQLite FTS5 (table translations_fts,
// tokenizer unicode61 remove_diacritics 2). A PostgreSQL backend implements
// fullText a second time with tsvector; nothing else in the package changes.
type sqliteFTS struct {
	query *sql.Stmt // prepared once: planning an FTS5 query costs more than running it
}

var _ fullText = (*sqliteFTS)(nil)

func newSQLiteFTS(ctx context.Context, read *sql.DB) (*sqliteFTS, error) {
	st, err := read.PrepareContext(ctx, sqlFTSSearch)
	if err != nil {
		return nil, err
	}
	return &sqliteFTS{query: st}, nil
}

const (
	sqlFTSInsert = `INSERT INTO translations_fts (rowid, title, body, lang) VALUES ($1, $2, $3, $4)`
	// Merges the index into one segment: after a bulk load, queries read one
	// b-tree instead of several.
	sqlFTSOptimize = `INSERT INTO translations_fts (translations_fts) VALUES ('optimize')`

	// bm25 weights: a word in the title counts ten times a word in the body.
	// Only the ranked ids come back: snippets are cut in Go from the text the
	// catalog already holds (snippet() re-reading every body cost ~70 µs a hit).
	sqlFTSSearch = `SELECT translations_fts.rowid
		FROM translations_fts
		JOIN translations ON translations.id = translations_fts.rowid
		WHERE translations_fts MATCH $1
		  AND translations_fts.lang = $2
		  AND translations.published_at IS NOT NULL
		ORDER BY bm25(translations_fts, 10.0, 1.0), translations_fts.rowid
		LIMIT $3`
)

func (*sqliteFTS) index(ctx context.Context, tx *sql.Tx, translationID int64, lang, title, text string) error {
	_, err := tx.ExecContext(ctx, sqlFTSInsert, translationID, title, text, lang)
	return err
}

func (*sqliteFTS) indexed(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, sqlFTSOptimize)
	return err
}

func (f *sqliteFTS) search(ctx context.Context, lang string, q ftsQuery, limit int) ([]ftsHit, error) {
	match := ftsMatch(q)
	if match == "" {
		return nil, nil
	}
	rows, err := f.query.QueryContext(ctx, match, lang, limit)
	if err != nil {
		return nil, err
	}
	var hits []ftsHit
	for rows.Next() {
		var h ftsHit
		if err := rows.Scan(&h.translationID); err != nil {
			rows.Close()
			return nil, err
		}
		hits = append(hits, h)
	}
	return hits, closeRows(rows)
}

// ftsMatch writes q in FTS5 query syntax. Every word is a quoted string, so
// nothing the visitor typed (" * : ^ ( ) - NEAR AND OR) is read as syntax.
// The words hold only letters and digits; quotes are doubled regardless.
func ftsMatch(q ftsQuery) string {
	var b strings.Builder
	op := " AND "
	if q.or {
		op = " OR "
	}
	for i, w := range q.words {
		if i > 0 {
			b.WriteString(op)
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(w, `"`, `""`))
		b.WriteByte('"')
		// A one-letter prefix would expand to a good part of the vocabulary.
		if q.prefix && i == len(q.words)-1 && utf8.RuneCountInString(w) >= 2 {
			b.WriteByte('*')
		}
	}
	return b.String()
}
