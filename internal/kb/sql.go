package kb

import (
	"context"
	"database/sql"
)

// The portable SQL of the knowledge base: plain SQL with $N placeholders, which
// SQLite (modernc) and PostgreSQL both read. The SQLite-only full-text part is
// in fts_sqlite.go.
const (
	sqlLoadArticles = `SELECT id, key, category, position, source_lang, views, helpful_yes, helpful_no
		FROM articles`
	sqlLoadTranslations = `SELECT id, article_id, lang, slug, title, description, body_md, published_at, updated_at,
		source_updated_at
		FROM translations WHERE published_at IS NOT NULL`
	sqlLoadRelated = `SELECT article_id, related_id FROM article_related ORDER BY article_id, position`

	sqlCountArticles  = `SELECT count(*) FROM articles`
	sqlInsertCategory = `INSERT INTO categories (key, position) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`
	sqlInsertArticle  = `INSERT INTO articles (key, category, position, source_lang, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`
	sqlInsertTranslation = `INSERT INTO translations
		(article_id, lang, slug, title, description, body_md, published_at, updated_at, source_updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`

	// The search index's format (see indexFormat) and what rebuilding it reads.
	sqlIndexFormat       = `SELECT format FROM search_index WHERE id = 1`
	sqlSetIndexFormat    = `UPDATE search_index SET format = $1 WHERE id = 1`
	sqlArticleKeys       = `SELECT key FROM articles`
	sqlIndexTranslations = `SELECT id, lang, title, body_md FROM translations ORDER BY id`
	sqlInsertRelated     = `INSERT INTO article_related (article_id, related_id, position) VALUES ($1, $2, $3)`

	sqlAddViews = `UPDATE articles SET views = views + $1 WHERE id = $2`

	sqlLogSearch = `INSERT INTO search_queries (lang, query, searches, zero_hit_searches, last_hits, last_day)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (lang, query) DO UPDATE SET
			searches = search_queries.searches + excluded.searches,
			zero_hit_searches = search_queries.zero_hit_searches + excluded.zero_hit_searches,
			last_hits = excluded.last_hits,
			last_day = excluded.last_day`
	sqlSearchKept       = `SELECT 1 FROM search_queries WHERE lang = $1 AND query = $2`
	sqlAddSearchVisitor = `INSERT INTO search_visitors (lang, query_hash, visitor, day) VALUES ($1, $2, $3, $4)
		ON CONFLICT (lang, query_hash, visitor) DO NOTHING`
	sqlCountSearchVisitors = `SELECT count(*) FROM search_visitors WHERE lang = $1 AND query_hash = $2`
	sqlLogHiddenSearch     = `INSERT INTO search_hidden (lang, query_hash, searches, zero_hit_searches, last_hits, last_day)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (lang, query_hash) DO UPDATE SET
			searches = search_hidden.searches + excluded.searches,
			zero_hit_searches = search_hidden.zero_hit_searches + excluded.zero_hit_searches,
			last_hits = excluded.last_hits,
			last_day = excluded.last_day`
	sqlHiddenSearch         = `SELECT searches, zero_hit_searches, last_hits FROM search_hidden WHERE lang = $1 AND query_hash = $2`
	sqlDeleteHiddenSearch   = `DELETE FROM search_hidden WHERE lang = $1 AND query_hash = $2`
	sqlDeleteSearchVisitors = `DELETE FROM search_visitors WHERE lang = $1 AND query_hash = $2`
	sqlPruneHiddenSearches  = `DELETE FROM search_hidden WHERE last_day < $1`
	sqlPruneSearchVisitors  = `DELETE FROM search_visitors WHERE day < $1`
	sqlCountHiddenSearches  = `SELECT count(*), coalesce(sum(zero_hit_searches), 0) FROM search_hidden
		WHERE lang = $1 AND zero_hit_searches > 0 AND last_hits = 0`

	// Still missing: searched without hits, and the latest search found nothing either.
	sqlMissingSearches = `SELECT query, searches, zero_hit_searches, last_hits FROM search_queries
		WHERE lang = $1 AND zero_hit_searches > 0 AND last_hits = 0
		ORDER BY zero_hit_searches DESC, searches DESC, query
		LIMIT $2`

	sqlArticleExists = `SELECT id FROM articles WHERE id = $1`
	sqlPruneVotes    = `DELETE FROM article_votes WHERE day < $1`
	sqlVoteOf        = `SELECT helpful, lang, reason FROM article_votes WHERE article_id = $1 AND voter = $2`
	sqlInsertVote    = `INSERT INTO article_votes (article_id, voter, day, helpful, lang, reason) VALUES ($1, $2, $3, $4, $5, $6)`
	sqlChangeVote    = `UPDATE article_votes SET helpful = $3, lang = $4, reason = $5 WHERE article_id = $1 AND voter = $2`
	sqlAddTally      = `UPDATE articles SET helpful_yes = helpful_yes + $1, helpful_no = helpful_no + $2 WHERE id = $3`
	sqlTally         = `SELECT helpful_yes, helpful_no FROM articles WHERE id = $1`

	// Readers' numbers per article, language and day (stats.go).
	// Views of an article deleted since they were counted are dropped (not a
	// foreign-key failure that would keep every flush failing).
	sqlAddDailyViews = `INSERT INTO article_daily (article_id, lang, day, views)
		SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM articles WHERE id = $1)
		ON CONFLICT (article_id, lang, day) DO UPDATE SET views = article_daily.views + excluded.views`
	sqlAddDailyVotes = `INSERT INTO article_daily (article_id, lang, day, helpful_yes, helpful_no) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (article_id, lang, day) DO UPDATE SET
			helpful_yes = article_daily.helpful_yes + excluded.helpful_yes,
			helpful_no = article_daily.helpful_no + excluded.helpful_no`
	sqlAddReason = `INSERT INTO article_reasons (article_id, lang, day, reason, count) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (article_id, lang, day, reason) DO UPDATE SET count = article_reasons.count + excluded.count`
	sqlDailyTotals = `SELECT article_id, coalesce(sum(views), 0), coalesce(sum(helpful_yes), 0), coalesce(sum(helpful_no), 0)
		FROM article_daily WHERE day >= $1 AND day <= $2 GROUP BY article_id`
	sqlDaily = `SELECT day, coalesce(sum(views), 0), coalesce(sum(helpful_yes), 0), coalesce(sum(helpful_no), 0)
		FROM article_daily WHERE article_id = $1 AND ($2 = '' OR lang = $2) AND day >= $3 AND day <= $4
		GROUP BY day ORDER BY day`
	sqlDailyLangs = `SELECT DISTINCT lang FROM article_daily WHERE article_id = $1 AND day >= $2 AND day <= $3 ORDER BY lang`
	sqlReasons    = `SELECT reason, coalesce(sum(count), 0) FROM article_reasons
		WHERE article_id = $1 AND ($2 = '' OR lang = $2) AND day >= $3 AND day <= $4 GROUP BY reason`

	// Editors' files (files.go).
	sqlInsertFile = `INSERT INTO kb_files (hash, ext, content_type, size, width, height, name, uploaded_by, created_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (hash) DO NOTHING`
	sqlListFiles = `SELECT hash, ext, size, width, height, name, uploaded_by, created_at FROM kb_files
		ORDER BY created_at DESC, hash LIMIT $1`
	sqlFileData = `SELECT size, created_at, data FROM kb_files WHERE hash = $1 AND ext = $2`
)

type articleRow struct {
	id         int64
	key        string
	category   Category
	position   int
	sourceLang string
}

type translationRow struct {
	id, articleID                 int64
	lang, slug, title, desc, body string
	publishedAt, updatedAt        int64
	sourceUpdatedAt               int64
}

// counts are the numbers of an article that change while the catalog lives.
type counts struct{ views, yes, no int64 }

type libraryRows struct {
	articles     map[int64]*articleRow
	translations []translationRow
	related      map[int64][]int64
	counts       map[int64]counts
}

// loadLibrary reads everything the catalog shows, in one read transaction so
// the three queries see the same moment.
func loadLibrary(ctx context.Context, db *sql.DB) (*libraryRows, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // read only

	out := &libraryRows{
		articles: map[int64]*articleRow{},
		related:  map[int64][]int64{},
		counts:   map[int64]counts{},
	}
	rows, err := tx.QueryContext(ctx, sqlLoadArticles)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		a := &articleRow{}
		var c counts
		var cat string
		if err := rows.Scan(&a.id, &a.key, &cat, &a.position, &a.sourceLang, &c.views, &c.yes, &c.no); err != nil {
			rows.Close()
			return nil, err
		}
		a.category = Category(cat)
		out.articles[a.id] = a
		out.counts[a.id] = c
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}

	rows, err = tx.QueryContext(ctx, sqlLoadTranslations)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t translationRow
		if err := rows.Scan(&t.id, &t.articleID, &t.lang, &t.slug, &t.title, &t.desc, &t.body, &t.publishedAt, &t.updatedAt,
			&t.sourceUpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		out.translations = append(out.translations, t)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}

	rows, err = tx.QueryContext(ctx, sqlLoadRelated)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var a, r int64
		if err := rows.Scan(&a, &r); err != nil {
			rows.Close()
			return nil, err
		}
		out.related[a] = append(out.related[a], r)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	return out, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}
