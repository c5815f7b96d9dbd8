package kb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"zerodesk/internal/words"
)

// sqliteFTS is the full-text index on SQLite FTS5 (table translations_fts,
// tokenizer unicode61). It is handed text already cut and folded in Go
// (indexText), so the tokenizer only splits at spaces and lower-cases what is
// already lower case. A PostgreSQL backend implements fullText a second time
// (a tsvector of the same words with the 'simple' configuration); nothing else
// in the package changes.
type sqliteFTS struct {
	// Prepared once: planning an FTS5 query costs more than running it.
	query, untranslated, avg, count *sql.Stmt
}

var _ fullText = (*sqliteFTS)(nil)

func newSQLiteFTS(ctx context.Context, read *sql.DB) (*sqliteFTS, error) {
	st, err := read.PrepareContext(ctx, sqlFTSSearch)
	if err != nil {
		return nil, err
	}
	other, err := read.PrepareContext(ctx, sqlFTSSearchUntranslated)
	if err != nil {
		st.Close()
		return nil, err
	}
	avg, err := read.PrepareContext(ctx, sqlFTSAverages)
	if err != nil {
		st.Close()
		other.Close()
		return nil, err
	}
	count, err := read.PrepareContext(ctx, sqlFTSCount)
	if err != nil {
		st.Close()
		other.Close()
		avg.Close()
		return nil, err
	}
	return &sqliteFTS{query: st, untranslated: other, avg: avg, count: count}, nil
}

const (
	sqlFTSInsert = `INSERT INTO translations_fts (rowid, title, body, lang) VALUES ($1, $2, $3, $4)`
	sqlFTSClear  = `DELETE FROM translations_fts`
	sqlFTSRemove = `DELETE FROM translations_fts WHERE rowid = $1`
	// Merges the index into one segment: after a bulk load, queries read one
	// b-tree instead of several.
	sqlFTSOptimize = `INSERT INTO translations_fts (translations_fts) VALUES ('optimize')`

	// bm25 weights: a word in the title counts ten times a word in the body;
	// the language token counts nothing. The language is part of the MATCH
	// (lang : "en" AND …, see langMatch), so the index itself narrows the
	// matches to the language: no stored row is read per match, and neither
	// is translations (publication is the catalog's to check: it holds only
	// published translations). Only the ranked ids come back: snippets are
	// cut in Go from the text the catalog already holds.
	sqlFTSSearch = `SELECT rowid
		FROM translations_fts
		WHERE translations_fts MATCH $1
		ORDER BY bm25(translations_fts, 10.0, 1.0, 0.0), rowid
		LIMIT $2`

	// The same in every other language, for the articles lang lacks (the
	// MATCH leaves lang out; $2 is the language code itself).
	sqlFTSSearchUntranslated = `SELECT translations_fts.rowid
		FROM translations_fts
		JOIN translations ON translations.id = translations_fts.rowid
		WHERE translations_fts MATCH $1
		  AND translations.lang <> $2
		  AND translations.published_at IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM translations AS here
			WHERE here.article_id = translations.article_id AND here.lang = $2 AND here.published_at IS NOT NULL)
		ORDER BY bm25(translations_fts, 10.0, 1.0, 0.0), translations_fts.rowid
		LIMIT $3`
)

// langToken is how a language is written in the index's lang column: one
// token the tokenizer keeps whole ("zh-Hans" is zhhans), matched exactly.
func langToken(lang string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(lang) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// langMatch is the FTS5 filter on the lang column.
func langMatch(lang string) string { return `lang : "` + langToken(lang) + `"` }

func (*sqliteFTS) index(ctx context.Context, tx *sql.Tx, translationID int64, lang, title, text string) error {
	_, err := tx.ExecContext(ctx, sqlFTSInsert, translationID, title, text, langToken(lang))
	return err
}

func (*sqliteFTS) unindex(ctx context.Context, tx *sql.Tx, translationID int64) error {
	_, err := tx.ExecContext(ctx, sqlFTSRemove, translationID)
	return err
}

func (*sqliteFTS) indexed(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, sqlFTSOptimize)
	return err
}

func (*sqliteFTS) clear(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, sqlFTSClear)
	return err
}

func (f *sqliteFTS) search(ctx context.Context, lang string, q ftsQuery, limit int) ([]ftsHit, error) {
	match := ftsMatch(q)
	if match == "" || langToken(lang) == "" {
		return nil, nil
	}
	return collect(f.query.QueryContext(ctx, langMatch(lang)+" AND ("+match+")", limit))
}

func (f *sqliteFTS) searchUntranslated(ctx context.Context, lang string, q ftsQuery, limit int) ([]ftsHit, error) {
	match := ftsMatch(q)
	if match == "" {
		return nil, nil
	}
	if langToken(lang) != "" {
		match = "(" + match + ") NOT " + langMatch(lang)
	}
	return collect(f.untranslated.QueryContext(ctx, match, lang, limit))
}

func collect(rows *sql.Rows, err error) ([]ftsHit, error) {
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
// The words hold only letters and digits; quotes are doubled regardless. A
// word with synonyms is a group: ("2fa" OR "two step" OR "totp").
func ftsMatch(q ftsQuery) string {
	var b strings.Builder
	op := " AND "
	if q.or {
		op = " OR "
	}
	for i, w := range q.words {
		if w == "" {
			continue // an empty phrase would match every row
		}
		if b.Len() > 0 {
			b.WriteString(op)
		}
		var alts []string
		if i < len(q.alts) {
			alts = q.alts[i]
		}
		if len(alts) > 0 {
			b.WriteByte('(')
		}
		writePhrase(&b, w, q.prefix && i == len(q.words)-1)
		for _, a := range alts {
			if a != "" {
				b.WriteString(" OR ")
				writePhrase(&b, a, false)
			}
		}
		if len(alts) > 0 {
			b.WriteByte(')')
		}
	}
	return b.String()
}

// writePhrase writes one word or phrase (folded words joined by spaces) as a
// quoted FTS5 string; with prefix its last word may be the start of a word.
func writePhrase(b *strings.Builder, w string, prefix bool) {
	if words.IsCJKWord(w) && !strings.Contains(w, " ") {
		// The phrase of the run's bigrams; one character is a prefix of
		// the bigram it starts (or the run's last character, indexed alone).
		b.WriteByte('"')
		b.WriteString(words.CJKPhrase(w))
		b.WriteByte('"')
		if utf8.RuneCountInString(w) == 1 {
			b.WriteByte('*')
		}
		return
	}
	b.WriteByte('"')
	for i, part := range strings.Split(w, " ") {
		if i > 0 {
			b.WriteByte(' ')
		}
		if words.IsCJKWord(part) {
			b.WriteString(words.CJKPhrase(part))
			continue
		}
		b.WriteString(strings.ReplaceAll(part, `"`, `""`))
	}
	b.WriteByte('"')
	// A one-letter prefix would expand to a good part of the vocabulary.
	last := w[strings.LastIndexByte(w, ' ')+1:]
	if prefix && !words.IsCJKWord(last) && utf8.RuneCountInString(last) >= 2 {
		b.WriteByte('*')
	}
}

// sqlFTSCount counts the rows holding a phrase, as bm25 does for its idf:
// every row, whatever its language (rankPhrases).
const sqlFTSCount = `SELECT count(*) FROM translations_fts WHERE translations_fts MATCH $1`

var _ phraseCounter = (*sqliteFTS)(nil)

func (f *sqliteFTS) phraseRows(ctx context.Context, phrase string, prefix bool) (int64, error) {
	var b strings.Builder
	writePhrase(&b, phrase, prefix)
	var n int64
	err := f.count.QueryRowContext(ctx, b.String()).Scan(&n)
	return n, err
}

// sqlFTSAverages reads FTS5's averages record (rowid 1 of the %_data table):
// the number of rows, then the tokens of each column in all rows, as
// varints. bm25() reads the same record.
const sqlFTSAverages = `SELECT block FROM translations_fts_data WHERE id = 1`

func (f *sqliteFTS) averages(ctx context.Context) (rows, tokens int64, err error) {
	var block []byte
	if err := f.avg.QueryRowContext(ctx).Scan(&block); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, 0, nil
		}
		return 0, 0, err
	}
	rows, n := fts5Varint(block)
	block = block[n:]
	for len(block) > 0 && n > 0 {
		var v int64
		v, n = fts5Varint(block)
		tokens += v
		block = block[n:]
	}
	return rows, tokens, nil
}

// fts5Varint decodes SQLite's varint (big-endian, 7 bits a byte, the ninth
// byte 8 bits) and returns its value and length; 0, 0 when b is empty.
func fts5Varint(b []byte) (int64, int) {
	var v uint64
	for i := 0; i < len(b); i++ {
		if i == 8 {
			return int64(v<<8 | uint64(b[i])), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return int64(v), i + 1
		}
	}
	return 0, 0
}
