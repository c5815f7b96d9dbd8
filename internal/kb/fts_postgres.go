package kb

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"zerodesk/internal/words"
)

// postgresFTS is the full-text index on PostgreSQL (issue 15): the table
// translations_fts (data/migrations/postgres) holds a tsvector per
// translation, searched through a GIN index and ranked by ts_rank_cd.
//
// The words are the ones SQLite's FTS5 indexes: search hands over text
// already cut and folded in Go (words.IndexText: diacritics folded, Arabic
// normalised, Chinese and Japanese cut into overlapping pairs), and this file
// writes the tsvector and the tsquery as literals of exactly those words, the
// way the 'simple' configuration would keep them, without PostgreSQL's parser
// (which would cut them again by its own, locale-dependent classes of
// characters: hyphens, dotted numbers, marks). So a query matches the same
// translations on both engines, and the vocabulary search keeps in Go (known
// words, typo corrections, snippets) agrees with the index on both.
//
// No stemming configuration (english, spanish, french, german, portuguese,
// arabic), though PostgreSQL has one for six of the eight languages: the
// stemmers are written for the words as spelled, not folded (the Arabic one
// strips what normalisation already changed, the French and Spanish ones read
// the accents folding removed); a stemmed index would find what the Go
// vocabulary calls unknown (so the query would be "corrected" first) and
// what SQLite does not, and snippets would no longer mark what matched.
// Stemming, if wanted, is a product change for both engines, made in
// words.IndexText.
//
// Typo tolerance is not pg_trgm's either: search corrects a word the
// language's vocabulary lacks in Go before it asks the index (typo.go, the
// same on both engines, no round trip), so a trigram index would be a second,
// different correction nobody asks for; the migrations keep none.
type postgresFTS struct {
	query, untranslated *sql.Stmt
}

var _ fullText = (*postgresFTS)(nil)

func newPostgresFTS(ctx context.Context, read *sql.DB) (*postgresFTS, error) {
	st, err := read.PrepareContext(ctx, sqlPGSearch)
	if err != nil {
		return nil, err
	}
	other, err := read.PrepareContext(ctx, sqlPGSearchUntranslated)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &postgresFTS{query: st, untranslated: other}, nil
}

const (
	sqlPGInsert = `INSERT INTO translations_fts (rowid, title, body, lang, tsv) VALUES ($1, $2, $3, $4, $5::tsvector)`
	sqlPGClear  = `DELETE FROM translations_fts`
	sqlPGRemove = `DELETE FROM translations_fts WHERE rowid = $1`

	// ts_rank_cd with weights {D, C, B, A}: a title word (A) counts ten
	// times a body word (D), as bm25's 10.0 and 1.0 on SQLite; normalisation
	// 1 divides by 1 + the logarithm of the length, so a short document that
	// is about the word outranks a long one that mentions it (bm25's length
	// term, milder). Ties by rowid, as on SQLite.
	sqlPGSearch = `SELECT rowid
		FROM translations_fts
		WHERE lang = $1 AND tsv @@ $2::tsquery
		ORDER BY ts_rank_cd('{0.1, 0.1, 0.1, 1.0}', tsv, $2::tsquery, 1) DESC, rowid
		LIMIT $3`

	// The same in every other language, for the articles lang lacks.
	sqlPGSearchUntranslated = `SELECT translations_fts.rowid
		FROM translations_fts
		JOIN translations ON translations.id = translations_fts.rowid
		WHERE translations_fts.tsv @@ $1::tsquery
		  AND translations_fts.lang <> $2
		  AND translations.published_at IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM translations AS here
			WHERE here.article_id = translations.article_id AND here.lang = $2 AND here.published_at IS NOT NULL)
		ORDER BY ts_rank_cd('{0.1, 0.1, 0.1, 1.0}', translations_fts.tsv, $1::tsquery, 1) DESC, translations_fts.rowid
		LIMIT $3`
)

func (*postgresFTS) index(ctx context.Context, tx *sql.Tx, translationID int64, lang, title, text string) error {
	_, err := tx.ExecContext(ctx, sqlPGInsert, translationID, title, text, lang, pgVector(title, text))
	return err
}

func (*postgresFTS) unindex(ctx context.Context, tx *sql.Tx, translationID int64) error {
	_, err := tx.ExecContext(ctx, sqlPGRemove, translationID)
	return err
}

// indexed has nothing to tidy: the GIN index merges its pending entries
// itself, and autovacuum analyses the table after a bulk load.
func (*postgresFTS) indexed(context.Context, *sql.Tx) error { return nil }

func (*postgresFTS) clear(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, sqlPGClear)
	return err
}

func (f *postgresFTS) search(ctx context.Context, lang string, q ftsQuery, limit int) ([]ftsHit, error) {
	query := pgQuery(q)
	if query == "" || lang == "" {
		return nil, nil
	}
	return collect(f.query.QueryContext(ctx, lang, query, limit))
}

func (f *postgresFTS) searchUntranslated(ctx context.Context, lang string, q ftsQuery, limit int) ([]ftsHit, error) {
	query := pgQuery(q)
	if query == "" {
		return nil, nil
	}
	return collect(f.untranslated.QueryContext(ctx, query, lang, limit))
}

// averages is zero on PostgreSQL: the word lists (impact.go) reproduce
// FTS5's bm25, not ts_rank_cd, so every query goes to the index here
// (rankInMemory answers ok false when the index holds no rows).
func (*postgresFTS) averages(context.Context) (rows, tokens int64, err error) {
	return 0, 0, nil
}

// tsvector limits: positions above 16383 are stored as 16383, a lexeme keeps
// at most 256 positions and is at most 2046 bytes long.
const (
	pgMaxPos       = 16383
	pgMaxPositions = 256
	pgMaxLexeme    = 2046
)

// pgVector writes title and text (index form: words split at spaces) as a
// tsvector literal: each word a lexeme with its positions, title words
// weighted A, body words D (unmarked). The body starts one position after
// the title's last word plus one, so no phrase spans the two.
func pgVector(title, text string) string {
	type lexeme struct {
		pos []string
	}
	lexemes := map[string]*lexeme{}
	pos := 0
	add := func(s, weight string) {
		for _, w := range strings.Fields(s) {
			pos++
			if len(w) > pgMaxLexeme {
				continue
			}
			l := lexemes[w]
			if l == nil {
				l = &lexeme{}
				lexemes[w] = l
			}
			if len(l.pos) < pgMaxPositions {
				l.pos = append(l.pos, strconv.Itoa(min(pos, pgMaxPos))+weight)
			}
		}
	}
	add(title, "A")
	pos++ // a gap: "<->" never joins the title's last word to the body's first
	add(text, "")
	keys := make([]string, 0, len(lexemes))
	for w := range lexemes {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, w := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeLexeme(&b, w)
		b.WriteByte(':')
		// Positions clamped to the last one may repeat: tsvector keeps one.
		b.WriteString(strings.Join(lexemes[w].pos, ","))
	}
	return b.String()
}

// writeLexeme writes w quoted for tsvector and tsquery input: quotes and
// backslashes doubled or escaped, nothing in it read as syntax.
func writeLexeme(b *strings.Builder, w string) {
	b.WriteByte('\'')
	for _, r := range w {
		switch r {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
}

// pgQuery writes q as a tsquery literal with the meaning ftsMatch gives it on
// FTS5: every word a quoted lexeme, a phrase its words joined by <-> (one
// position apart), a prefix :*, synonyms as alternatives, & or |.
func pgQuery(q ftsQuery) string {
	var b strings.Builder
	op := " & "
	if q.or {
		op = " | "
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
		writePGPhrase(&b, w, q.prefix && i == len(q.words)-1)
		for _, a := range alts {
			if a != "" {
				b.WriteString(" | ")
				writePGPhrase(&b, a, false)
			}
		}
		if len(alts) > 0 {
			b.WriteByte(')')
		}
	}
	return b.String()
}

// writePGPhrase is writePhrase's tsquery form.
func writePGPhrase(b *strings.Builder, w string, prefix bool) {
	var parts []string
	for _, part := range strings.Split(w, " ") {
		if words.IsCJKWord(part) {
			parts = append(parts, strings.Fields(words.CJKPhrase(part))...)
			continue
		}
		if part != "" {
			parts = append(parts, part)
		}
	}
	if len(parts) == 0 {
		b.WriteString("''")
		return
	}
	// As on FTS5: one CJK character is the prefix of the pair it starts (or
	// the run's last character, indexed alone); a one-letter prefix would
	// expand to a good part of the vocabulary.
	last := w[strings.LastIndexByte(w, ' ')+1:]
	star := false
	if words.IsCJKWord(w) && !strings.Contains(w, " ") {
		star = utf8.RuneCountInString(w) == 1
	} else {
		star = prefix && !words.IsCJKWord(last) && utf8.RuneCountInString(last) >= 2
	}
	if len(parts) > 1 {
		b.WriteByte('(')
	}
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" <-> ")
		}
		writeLexeme(b, p)
		if star && i == len(parts)-1 {
			b.WriteString(":*")
		}
	}
	if len(parts) > 1 {
		b.WriteByte(')')
	}
}
