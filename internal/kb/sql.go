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
		source_updated_at, keywords
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
	sqlIndexTranslations = `SELECT id, lang, title, body_md, keywords FROM translations ORDER BY id`
	// The same for one article's translations (publishing: reindexArticle).
	sqlIndexArticleTranslations = `SELECT id, lang, title, body_md, keywords FROM translations WHERE article_id = $1 ORDER BY id`
	sqlInsertRelated            = `INSERT INTO article_related (article_id, related_id, position) VALUES ($1, $2, $3)`

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
	sqlListFilesFrom = `SELECT hash, ext, size, width, height, name, uploaded_by, created_at FROM kb_files
		ORDER BY created_at DESC, hash LIMIT $1 OFFSET $2`
	sqlCountFiles = `SELECT count(*) FROM kb_files`
	sqlFileData   = `SELECT size, created_at, data FROM kb_files WHERE hash = $1 AND ext = $2`
)

// The editor's room (editor.go, issue 13): revisions, editions, working
// copies, old addresses.
const (
	sqlEdArticle = `SELECT id, key, category, position, source_lang, views, helpful_yes, helpful_no
		FROM articles WHERE id = $1`
	sqlEdGeneration     = `SELECT n FROM kb_generation WHERE id = 1`
	sqlEdNextGeneration = `UPDATE kb_generation SET n = n + 1 WHERE id = 1`
	sqlEdArticleByKey   = `SELECT id FROM articles WHERE key = $1`
	sqlEdKeyOf          = `SELECT key FROM articles WHERE id = $1`
	sqlEdKeyTaken       = `SELECT count(*) FROM articles WHERE key = $1`
	sqlEdTranslation    = `SELECT id, slug, title, description, body_md, keywords, published_at
		FROM translations WHERE article_id = $1 AND lang = $2`
	sqlEdRelatedKeys = `SELECT articles.key FROM article_related
		JOIN articles ON articles.id = article_related.related_id
		WHERE article_related.article_id = $1 ORDER BY article_related.position`
	sqlEdEdition = `SELECT coalesce(head_id, 0), coalesce(published_id, 0), state, coalesce(scheduled_id, 0),
		coalesce(publish_at, 0), coalesce(replacement_id, 0), changed_at
		FROM article_editions WHERE article_id = $1 AND lang = $2`
	sqlEdRevisionCols = `SELECT id, article_id, lang, coalesce(base_id, 0), coalesce(author_id, 0), author_name, note,
		title, slug, description, body_md, keywords, category, position, related, created_at
		FROM article_revisions`
	sqlEdRevision       = sqlEdRevisionCols + ` WHERE id = $1`
	sqlEdRevisions      = sqlEdRevisionCols + ` WHERE article_id = $1 AND lang = $2 ORDER BY id DESC`
	sqlEdInsertRevision = `INSERT INTO article_revisions (article_id, lang, base_id, author_id, author_name, note,
		title, slug, description, body_md, keywords, category, position, related, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`
	sqlEdInsertArticle = `INSERT INTO articles (key, category, position, source_lang, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`
	// The head moves; a translation never saved in the editor enters with the
	// state its published_at gives it.
	sqlEdSetHead = `INSERT INTO article_editions (article_id, lang, head_id, state, changed_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (article_id, lang) DO UPDATE SET head_id = excluded.head_id, changed_at = excluded.changed_at`
	sqlEdSetPublished = `INSERT INTO article_editions (article_id, lang, head_id, published_id, state, changed_at)
		VALUES ($1, $2, $3, $3, 'published', $4)
		ON CONFLICT (article_id, lang) DO UPDATE SET published_id = excluded.published_id, state = 'published',
			scheduled_id = NULL, publish_at = NULL, replacement_id = NULL, changed_at = excluded.changed_at`
	sqlEdSchedule = `UPDATE article_editions SET state = 'scheduled', scheduled_id = $3, publish_at = $4, changed_at = $5
		WHERE article_id = $1 AND lang = $2`
	sqlEdArchive = `INSERT INTO article_editions (article_id, lang, state, replacement_id, changed_at)
		VALUES ($1, $2, 'archived', $3, $4)
		ON CONFLICT (article_id, lang) DO UPDATE SET state = 'archived', replacement_id = excluded.replacement_id,
			scheduled_id = NULL, publish_at = NULL, changed_at = excluded.changed_at`
	sqlEdDue = `SELECT article_id, lang, scheduled_id FROM article_editions
		WHERE state = 'scheduled' AND publish_at <= $1 ORDER BY publish_at, article_id, lang`
	// The claim: of several instances, the one whose UPDATE changes the row
	// publishes; the others change nothing and skip it.
	sqlEdClaimDue = `UPDATE article_editions SET state = 'published'
		WHERE article_id = $1 AND lang = $2 AND state = 'scheduled' AND scheduled_id = $3 AND publish_at <= $4`
	// A source published again moves its time forward by at least a second
	// (times are whole seconds): translations made level with the earlier
	// text in the same second must still read as outdated.
	sqlEdUpdateTranslation = `UPDATE translations SET slug = $3, title = $4, description = $5, body_md = $6, keywords = $7,
		published_at = coalesce(published_at, $8),
		updated_at = CASE WHEN $9 = 1 AND updated_at >= $8 THEN updated_at + 1 ELSE $8 END,
		source_updated_at = CASE WHEN $9 = 1 AND updated_at >= $8 THEN updated_at + 1 WHEN $9 = 1 THEN $8 ELSE source_updated_at END
		WHERE article_id = $1 AND lang = $2`
	sqlEdInsertTranslation = `INSERT INTO translations
		(article_id, lang, slug, title, description, body_md, keywords, published_at, updated_at, source_updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)`
	sqlEdUnpublishTranslation = `UPDATE translations SET published_at = NULL WHERE article_id = $1 AND lang = $2`
	sqlEdPlaceArticle         = `UPDATE articles SET category = $2, position = $3, updated_at = $4 WHERE id = $1`
	sqlEdClearRelated         = `DELETE FROM article_related WHERE article_id = $1`
	sqlEdKeepOldSlug          = `INSERT INTO article_slugs (lang, slug, article_id) VALUES ($1, $2, $3)
		ON CONFLICT (lang, slug) DO UPDATE SET article_id = excluded.article_id`
	sqlEdDropOldSlug = `DELETE FROM article_slugs WHERE lang = $1 AND slug = $2`
	sqlEdOldSlug     = `SELECT article_id FROM article_slugs WHERE lang = $1 AND slug = $2`
	sqlEdArchived    = `SELECT translations.article_id, coalesce(article_editions.replacement_id, 0)
		FROM translations JOIN article_editions
			ON article_editions.article_id = translations.article_id AND article_editions.lang = translations.lang
		WHERE translations.lang = $1 AND translations.slug = $2 AND article_editions.state = 'archived'`
	sqlEdReplacementOf = `SELECT coalesce(replacement_id, 0) FROM article_editions
		WHERE article_id = $1 AND lang = $2 AND state = 'archived'`
	// A slug is taken in a language by another article's key, translation,
	// newest revision or old address.
	sqlEdSlugTaken = `SELECT count(*) FROM (
		SELECT id FROM articles WHERE key = $2 AND id <> $3
		UNION ALL SELECT id FROM translations WHERE lang = $1 AND slug = $2 AND article_id <> $3
		UNION ALL SELECT article_editions.article_id FROM article_editions
			JOIN article_revisions ON article_revisions.id = article_editions.head_id
			WHERE article_editions.lang = $1 AND article_revisions.slug = $2 AND article_editions.article_id <> $3
		UNION ALL SELECT article_id FROM article_slugs WHERE lang = $1 AND slug = $2 AND article_id <> $3) AS taken`
	sqlEdSaveWorking = `INSERT INTO article_working (article_id, lang, account_id, base_id, title, slug, description,
		body_md, keywords, saved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (article_id, lang, account_id) DO UPDATE SET base_id = excluded.base_id, title = excluded.title,
			slug = excluded.slug, description = excluded.description, body_md = excluded.body_md,
			keywords = excluded.keywords, saved_at = excluded.saved_at`
	sqlEdWorking = `SELECT coalesce(base_id, 0), title, slug, description, body_md, keywords, saved_at
		FROM article_working WHERE article_id = $1 AND lang = $2 AND account_id = $3`
	sqlEdDropWorking = `DELETE FROM article_working WHERE article_id = $1 AND lang = $2 AND account_id = $3`
	// sqlEdWorkingSaved: a revision saved after a working copy's base holds
	// exactly its text (kb.savedSince).
	sqlEdWorkingSaved = `SELECT EXISTS (SELECT 1 FROM article_revisions WHERE article_id = $1 AND lang = $2 AND id > $3
		AND title = $4 AND slug = $5 AND description = $6 AND body_md = $7 AND keywords = $8)`

	// The article list reads everything once and filters in Go.
	sqlEdListArticles = `SELECT id, key, category, position, source_lang, views, helpful_yes, helpful_no, updated_at
		FROM articles`
	sqlEdListTranslations = `SELECT article_id, lang, title, published_at, updated_at, source_updated_at FROM translations`
	sqlEdListEditions     = `SELECT article_editions.article_id, article_editions.lang, article_editions.state,
		article_editions.changed_at, coalesce(article_revisions.title, ''),
		coalesce(article_revisions.author_id, 0), coalesce(article_revisions.author_name, '')
		FROM article_editions LEFT JOIN article_revisions ON article_revisions.id = article_editions.head_id`
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
	keywords                      string // the editor's words for search (0012)
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
			&t.sourceUpdatedAt, &t.keywords); err != nil {
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
	if err := scanRelated(rows, out.related); err != nil {
		return nil, err
	}
	return out, nil
}

// scanRelated adds the (article, related article) rows to related, in
// their order, and closes rows.
func scanRelated(rows *sql.Rows, related map[int64][]int64) error {
	for rows.Next() {
		var a, r int64
		if err := rows.Scan(&a, &r); err != nil {
			rows.Close()
			return err
		}
		related[a] = append(related[a], r)
	}
	return closeRows(rows)
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// Translations side by side (translate.go, issue 13 item 6): what each
// translation follows, holds, and visitors' asks for a translation.
// The facts read everything of one article ($1) or of all ($1 = 0) at once.
const (
	sqlTrArticles = `SELECT id, key, source_lang, views FROM articles WHERE ($1 = 0 OR id = $1)`
	sqlTrRows     = `SELECT article_id, lang, title, published_at IS NOT NULL, source_updated_at FROM translations
		WHERE ($1 = 0 OR article_id = $1)`
	sqlTrEditions = `SELECT article_editions.article_id, article_editions.lang, coalesce(article_editions.head_id, 0),
		coalesce(article_editions.published_id, 0), article_editions.state, article_editions.follows_id,
		coalesce(article_revisions.title, '')
		FROM article_editions LEFT JOIN article_revisions ON article_revisions.id = article_editions.head_id
		WHERE ($1 = 0 OR article_editions.article_id = $1)`
	sqlTrSourceRevisions = `SELECT article_revisions.article_id, article_revisions.id, article_revisions.created_at
		FROM article_revisions JOIN articles ON articles.id = article_revisions.article_id
		WHERE ($1 = 0 OR article_revisions.article_id = $1) AND article_revisions.lang = articles.source_lang
		ORDER BY article_revisions.article_id, article_revisions.id`
	sqlTrHolds        = `SELECT article_id, lang FROM article_holds WHERE ($1 = 0 OR article_id = $1)`
	sqlTrRequests     = `SELECT article_id, lang, requests FROM translation_requests WHERE ($1 = 0 OR article_id = $1)`
	sqlTrSetFollows   = `UPDATE article_editions SET follows_id = $3 WHERE article_id = $1 AND lang = $2`
	sqlTrClearHolds   = `DELETE FROM article_holds WHERE article_id = $1`
	sqlTrAddHold      = `INSERT INTO article_holds (article_id, lang) VALUES ($1, $2) ON CONFLICT (article_id, lang) DO NOTHING`
	sqlTrAskTranslate = `INSERT INTO translation_requests (article_id, lang, requests)
		SELECT $1, $2, 1 WHERE EXISTS (SELECT 1 FROM articles WHERE id = $1)
		ON CONFLICT (article_id, lang) DO UPDATE SET requests = translation_requests.requests + 1`
	// A translation published following the source's published text is
	// current for visitors again (the catalog's Outdated compares these times).
	sqlTrCatchUp = `UPDATE translations SET source_updated_at = (SELECT src.updated_at FROM translations AS src
			JOIN articles ON articles.id = src.article_id AND articles.source_lang = src.lang WHERE src.article_id = $1)
		WHERE article_id = $1 AND lang = $2
			AND EXISTS (SELECT 1 FROM translations AS src JOIN articles ON articles.id = src.article_id
				AND articles.source_lang = src.lang WHERE src.article_id = $1)`
)

// Agents' proposed edits (proposals.go).
const (
	sqlPropInsert = `INSERT INTO article_proposals (revision_id, article_id, lang) VALUES ($1, $2, $3)`
	sqlPropOf     = `SELECT revision_id, state, decided_by FROM article_proposals WHERE article_id = $1 AND lang = $2`
	sqlPropState  = `SELECT state FROM article_proposals WHERE revision_id = $1 AND article_id = $2`
	sqlPropDecide = `UPDATE article_proposals SET state = $2, decided_by = $3, decided_at = $4
		WHERE revision_id = $1 AND state = 'open'`
	sqlPropOpen = `SELECT article_id, count(*) FROM article_proposals WHERE state = 'open' GROUP BY article_id`
)

// Categories editors name, describe, order and delete (categories.go).
const (
	sqlCatList = `SELECT key, position, (SELECT count(*) FROM articles WHERE articles.category = categories.key)
		FROM categories ORDER BY position, key`
	sqlCatTexts   = `SELECT category, lang, name, intro FROM category_texts ORDER BY category, lang`
	sqlCatCount   = `SELECT count(*), coalesce(max(position), 0) FROM categories`
	sqlCatTaken   = `SELECT count(*) FROM categories WHERE key = $1`
	sqlCatSetText = `INSERT INTO category_texts (category, lang, name, intro) VALUES ($1, $2, $3, $4)
		ON CONFLICT (category, lang) DO UPDATE SET name = excluded.name, intro = excluded.intro`
	sqlCatDropText   = `DELETE FROM category_texts WHERE category = $1 AND lang = $2`
	sqlCatOtherNames = `SELECT count(*) FROM category_texts WHERE category = $1 AND lang <> $2 AND name <> ''`
	sqlCatPlace      = `UPDATE categories SET position = $2 WHERE key = $1`
	sqlCatUse        = `SELECT (SELECT count(*) FROM articles WHERE category = $1)
		+ (SELECT count(*) FROM article_editions JOIN article_revisions
			ON article_revisions.id IN (article_editions.head_id, article_editions.scheduled_id)
			JOIN articles ON articles.id = article_editions.article_id
			WHERE article_revisions.category = $1 AND articles.category <> $1)`
	sqlCatDelete = `DELETE FROM categories WHERE key = $1`
)

// The export and import's SQL.
const (
	sqlPortPlaceCategory = `INSERT INTO categories (key, position) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET position = excluded.position`
	sqlPortDropCategoryTexts = `DELETE FROM category_texts WHERE category = $1`
	sqlPortArticleIDs        = `SELECT id, key FROM articles`
	sqlPortArticles          = `SELECT id, key, category, position, source_lang FROM articles ORDER BY key`
	sqlPortInsertTranslation = `INSERT INTO translations
		(article_id, lang, slug, title, description, body_md, keywords, published_at, updated_at, source_updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`
	sqlPortLangs = `SELECT lang FROM translations WHERE article_id = $1
		UNION SELECT lang FROM article_editions WHERE article_id = $1 ORDER BY 1`
	sqlPortTranslation = `SELECT slug, title, description, body_md, keywords, published_at, updated_at, source_updated_at
		FROM translations WHERE article_id = $1 AND lang = $2`
	sqlPortFiles = `SELECT hash, ext, name, data FROM kb_files ORDER BY hash`
)

// The rows of some articles, as loadLibrary reads all.
const (
	sqlLoadArticleRow = `SELECT id, key, category, position, source_lang, views, helpful_yes, helpful_no
		FROM articles WHERE id = $1`
	sqlLoadArticleTranslations = `SELECT id, article_id, lang, slug, title, description, body_md, published_at, updated_at,
		source_updated_at, keywords
		FROM translations WHERE published_at IS NOT NULL AND article_id = $1`
	sqlLoadArticleRelated = `SELECT article_id, related_id FROM article_related WHERE article_id = $1 ORDER BY position`
	sqlLoadBody           = `SELECT body_md FROM translations WHERE id = $1`
)

// What each catalog generation changed (refresh_patch.go, migration 0026).
const (
	sqlChangeInsert = `INSERT INTO kb_changes (generation, since, kind, article_id)
		VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT), CAST($4 AS BIGINT))`
	sqlChangePrune = `DELETE FROM kb_changes WHERE generation <= $1`
	sqlChangesIn   = `SELECT generation, since, kind, article_id FROM kb_changes
		WHERE generation > $1 AND generation <= $2 ORDER BY generation, kind, article_id`
)
