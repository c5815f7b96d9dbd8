package kb

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"zerodesk/internal/words"
)

// postgresFTS is the full-text index on PostgreSQL (issue 15): the table
// translations_fts (data/migrations/postgres) holds a tsvector per
// translation, searched through a GIN index.
//
// It says which translations match, not in which order: search ranks the
// matches in Go with FTS5's bm25 (rank.go, the word lists of impact.go), the
// one ranking of both engines, so a search lists the same articles in the
// same order on SQLite and on PostgreSQL (TestSearchOrder_PostgresRanksAsSQLite).
// ts_rank_cd, used before, weighed title and body as bm25 does but not the
// length nor the rarity of words the same way: results whose scores were
// close changed places. What bm25 needs from the index comes from here: the
// rows and their tokens (averages: the spaces of the stored index text, read
// once per catalog, for the rows written since) and the rows holding a
// phrase (phraseRows), counted as FTS5 counts them. The tsvector holds the
// row's language token too (pgVector), as FTS5's lang column does, so a
// query word that is one matches the same rows on both engines.
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
	read                                            *sql.DB
	query, untranslated, count, versions, rowTokens *sql.Stmt

	mu   sync.Mutex
	rows map[int64]pgRow // the index's rows as averages last found them
}

// pgRow is what averages keeps of an index row: the version PostgreSQL
// wrote it in (xmin: a row written again has a new one) and its tokens as
// FTS5 counts them.
type pgRow struct {
	xmin, tokens int64
}

var (
	_ fullText = (*postgresFTS)(nil)
	_ goRanked = (*postgresFTS)(nil)
)

func newPostgresFTS(ctx context.Context, read *sql.DB) (*postgresFTS, error) {
	f := &postgresFTS{read: read}
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{
		{&f.query, sqlPGSearch}, {&f.untranslated, sqlPGSearchUntranslated},
		{&f.count, sqlPGCount}, {&f.versions, sqlPGRowVersions}, {&f.rowTokens, sqlPGRowTokens},
	} {
		st, err := read.PrepareContext(ctx, p.sql)
		if err != nil {
			f.close()
			return nil, err
		}
		*p.st = st
	}
	return f, nil
}

func (f *postgresFTS) close() {
	for _, st := range []*sql.Stmt{f.query, f.untranslated, f.count, f.versions, f.rowTokens} {
		if st != nil {
			st.Close()
		}
	}
}

// goRanked: search ranks the matches in Go (rank.go).
func (*postgresFTS) goRanked() {}

const (
	sqlPGInsert = `INSERT INTO translations_fts (rowid, title, body, lang, tsv) VALUES ($1, $2, $3, $4, $5::tsvector)`
	sqlPGClear  = `DELETE FROM translations_fts`
	sqlPGRemove = `DELETE FROM translations_fts WHERE rowid = $1`

	// Every match, by id: search ranks them in Go with FTS5's bm25 (rank.go).
	sqlPGSearch = `SELECT rowid
		FROM translations_fts
		WHERE lang = $1 AND tsv @@ $2::tsquery
		ORDER BY rowid`

	// The same in every other language, for the articles lang lacks.
	sqlPGSearchUntranslated = `SELECT translations_fts.rowid
		FROM translations_fts
		JOIN translations ON translations.id = translations_fts.rowid
		WHERE translations_fts.tsv @@ $1::tsquery
		  AND translations_fts.lang <> $2
		  AND translations.published_at IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM translations AS here
			WHERE here.article_id = translations.article_id AND here.lang = $2 AND here.published_at IS NOT NULL)
		ORDER BY translations_fts.rowid`

	// bm25's n: the rows holding a phrase, every language, drafts too, as
	// FTS5 counts them (its language token included).
	sqlPGCount = `SELECT count(*) FROM translations_fts WHERE tsv @@ $1::tsquery`

	// bm25's averages: the rows and the tokens FTS5 would count in them.
	// Title and body are index text, words split at single spaces: a
	// column's tokens are its spaces plus one (none when empty); the
	// language is one token. Read for the rows written since averages last
	// looked (by their xmin): reading every row's text would cost a large
	// catalog seconds after every publication.
	sqlPGRowVersions = `SELECT rowid, xmin::text::bigint FROM translations_fts`
	sqlPGRowTokens   = `SELECT rowid, xmin::text::bigint,
			CASE WHEN title = '' THEN 0 ELSE length(title) - length(replace(title, ' ', '')) + 1 END +
			CASE WHEN body = '' THEN 0 ELSE length(body) - length(replace(body, ' ', '')) + 1 END + 1
		FROM translations_fts
		WHERE rowid = ANY($1)`
)

func (*postgresFTS) index(ctx context.Context, tx *sql.Tx, translationID int64, lang, title, text string) error {
	_, err := tx.ExecContext(ctx, sqlPGInsert, translationID, title, text, lang, pgVector(lang, title, text))
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

func (f *postgresFTS) search(ctx context.Context, lang string, q ftsQuery, _ int) ([]ftsHit, error) {
	query := pgQuery(q)
	if query == "" || lang == "" {
		return nil, nil
	}
	return collect(f.query.QueryContext(ctx, lang, query))
}

func (f *postgresFTS) searchUntranslated(ctx context.Context, lang string, q ftsQuery, _ int) ([]ftsHit, error) {
	query := pgQuery(q)
	if query == "" {
		return nil, nil
	}
	return collect(f.untranslated.QueryContext(ctx, query, lang))
}

// averages counts the index's rows and their tokens (search keeps the
// answer per catalog: goRanking), reading the text of the rows written since
// it last looked only, in one snapshot.
func (f *postgresFTS) averages(ctx context.Context) (rows, tokens int64, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tx, err := f.read.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback() //nolint:errcheck // read only
	res, err := tx.StmtContext(ctx, f.versions).QueryContext(ctx)
	if err != nil {
		return 0, 0, err
	}
	now := make(map[int64]pgRow, len(f.rows))
	var changed []int64
	for res.Next() {
		var id, xmin int64
		if err := res.Scan(&id, &xmin); err != nil {
			res.Close()
			return 0, 0, err
		}
		if r, ok := f.rows[id]; ok && r.xmin == xmin {
			now[id] = r
		} else {
			changed = append(changed, id)
		}
	}
	if err := closeRows(res); err != nil {
		return 0, 0, err
	}
	if len(changed) > 0 {
		res, err := tx.StmtContext(ctx, f.rowTokens).QueryContext(ctx, changed)
		if err != nil {
			return 0, 0, err
		}
		for res.Next() {
			var id int64
			var r pgRow
			if err := res.Scan(&id, &r.xmin, &r.tokens); err != nil {
				res.Close()
				return 0, 0, err
			}
			now[id] = r
		}
		if err := closeRows(res); err != nil {
			return 0, 0, err
		}
	}
	for _, r := range now {
		tokens += r.tokens
	}
	f.rows = now
	return int64(len(now)), tokens, nil
}

// phraseRows counts the rows holding a phrase as FTS5 does: in title and
// body, or (one word) as the row's language token.
func (f *postgresFTS) phraseRows(ctx context.Context, phrase string, prefix bool) (int64, error) {
	var b strings.Builder
	writePGPhrase(&b, phrase, prefix)
	var n int64
	err := f.count.QueryRowContext(ctx, b.String()).Scan(&n)
	return n, err
}

// indexFormat: formatted. indexFormat + 1 holds the language token in the
// tsvector (session 20); a database of an older format is indexed again.
func (*postgresFTS) indexFormat() int { return indexFormat + 1 }

var _ formatted = (*postgresFTS)(nil)

// tsvector limits: positions above 16383 are stored as 16383, a lexeme keeps
// at most 256 positions and is at most 2046 bytes long.
const (
	pgMaxPos       = 16383
	pgMaxPositions = 256
	pgMaxLexeme    = 2046
)

// pgVector writes title and text (index form: words split at spaces) as a
// tsvector literal: each word a lexeme with its positions, title words
// weighted A, body words D (unmarked), and first, weighted B, the language's
// token (langToken), as FTS5 holds it in its lang column: a query word that
// is the token matches the row on both engines (es in Spanish finds every
// Spanish article, as FTS5 does). A position is left empty after the token
// and after the title's last word, so no phrase ("<->") joins two of them.
func pgVector(lang, title, text string) string {
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
	if tok := langToken(lang); tok != "" {
		add(tok, "B")
		pos++
	}
	add(title, "A")
	pos++
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
