package kb

import (
	"context"
	"database/sql"
	"strings"

	"zerodesk/internal/words"
)

// The search index holds every translation (drafts too: search filters on
// publication) in index form, written from Go: what indexText makes of the
// title and of the plain text of the rendered body.

// indexTranslation indexes one translation. The links only need to resolve,
// not to point anywhere real.
func (k *KB) indexTranslation(ctx context.Context, tx *sql.Tx, id int64, lang, title, body string, links linker) error {
	html, _ := render(body, links)
	return k.fts.index(ctx, tx, id, lang, words.IndexText(title), words.IndexText(plainText(html)))
}

// indexFormat is the format of what indexTranslation writes. Raise it when
// indexText changes: New rebuilds the index of a database written by an
// older version (search_index.format, migration 0002). 1 was the plain text
// as rendered; 2 folds in Go and cuts CJK into bigrams; 3 writes the
// language as an indexed token (langToken, migration 0010), which search
// matches instead of reading every match's stored row.
const indexFormat = 3

// upgradeIndex rebuilds the search index when the database's is older than
// indexFormat (or the engine's own format, formatted), in one transaction,
// from every translation (drafts too, as the seed indexes them: search
// filters on publication).
func (k *KB) upgradeIndex(ctx context.Context) error {
	want := indexFormat
	if f, ok := k.fts.(formatted); ok {
		want = f.indexFormat()
	}
	var format int
	if err := k.db.Read.QueryRowContext(ctx, sqlIndexFormat).Scan(&format); err != nil || format >= want {
		return err
	}
	return k.db.Tx(ctx, func(tx *sql.Tx) error {
		// Again inside the write transaction: two processes may start at once.
		if err := tx.QueryRowContext(ctx, sqlIndexFormat).Scan(&format); err != nil || format >= want {
			return err
		}
		if err := k.reindexAll(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, sqlSetIndexFormat, want)
		return err
	})
}

// formatted is a fullText whose rows have a format of their own, after
// indexFormat's (PostgreSQL: fts_postgres.go).
type formatted interface {
	indexFormat() int
}

// reindexAll empties the search index and indexes every translation again
// (drafts too: search filters on publication), each with its keywords, in
// tx: when the index format changes. Publishing replaces only the
// article's rows (reindexArticle); only the index functions here write the
// index.
func (k *KB) reindexAll(ctx context.Context, tx *sql.Tx) error {
	keys := map[string]bool{}
	rows, err := tx.QueryContext(ctx, sqlArticleKeys)
	if err != nil {
		return err
	}
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			rows.Close()
			return err
		}
		keys[key] = true
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	type translation struct {
		id                          int64
		lang, title, body, keywords string
	}
	var all []translation
	rows, err = tx.QueryContext(ctx, sqlIndexTranslations)
	if err != nil {
		return err
	}
	for rows.Next() {
		var t translation
		if err := rows.Scan(&t.id, &t.lang, &t.title, &t.body, &t.keywords); err != nil {
			rows.Close()
			return err
		}
		all = append(all, t)
	}
	if err := closeRows(rows); err != nil {
		return err
	}

	links := linker{
		article: func(key string) (string, bool) { return "/", keys[key] },
		page:    func(p string) string { return p },
	}
	if err := k.fts.clear(ctx, tx); err != nil {
		return err
	}
	for _, t := range all {
		if err := k.indexTranslation(ctx, tx, t.id, t.lang, t.title, withKeywords(t.body, t.keywords), links); err != nil {
			return err
		}
	}
	if len(all) > 0 {
		return k.fts.indexed(ctx, tx)
	}
	return nil
}

// reindexArticle replaces the index rows of the article's translations
// (publishing one may publish others: held translations, afterPublish), and
// of nothing else: publishing costs the same in a catalog of any size
// (issue 13, "Scale"). Called by publishTx, in its transaction.
func (k *KB) reindexArticle(ctx context.Context, tx *sql.Tx, articleID int64) error {
	type translation struct {
		id                          int64
		lang, title, body, keywords string
	}
	var all []translation
	rows, err := tx.QueryContext(ctx, sqlIndexArticleTranslations, articleID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var t translation
		if err := rows.Scan(&t.id, &t.lang, &t.title, &t.body, &t.keywords); err != nil {
			rows.Close()
			return err
		}
		all = append(all, t)
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	links := linker{
		article: func(key string) (string, bool) {
			var id int64
			return "/", tx.QueryRowContext(ctx, sqlEdArticleByKey, key).Scan(&id) == nil
		},
		page: func(p string) string { return p },
	}
	for _, t := range all {
		if err := k.fts.unindex(ctx, tx, t.id); err != nil {
			return err
		}
		if err := k.indexTranslation(ctx, tx, t.id, t.lang, t.title, withKeywords(t.body, t.keywords), links); err != nil {
			return err
		}
	}
	return nil
}

// withKeywords is the text indexed for a body: the editor's keywords are
// words of it for search, never shown on the page.
func withKeywords(body, keywords string) string {
	if keywords = strings.TrimSpace(keywords); keywords == "" {
		return body
	}
	return body + "\n\n" + keywords
}
