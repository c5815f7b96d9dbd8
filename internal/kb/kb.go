// Package kb is the knowledge base: help articles in categories and languages,
// served from an in-memory catalog, searched with typo tolerance, counted and rated.
package kb

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/links"
	"zerodesk/internal/store"
)

// Category is the shelf an article sits on.
type Category string

// The categories, in the order the portal shows them.
const (
	Setup     Category = "setup"
	FAQ       Category = "faq"
	HowTo     Category = "howto"
	Documents Category = "documents"
	Contact   Category = "contact"
	TechNotes Category = "technotes"
)

// Categories lists the categories of the first migration, in their first
// order; editors may add, reorder and delete categories since (categories.go).
var Categories = []Category{Setup, FAQ, HowTo, Documents, Contact, TechNotes}

// valid checks the form of a category key; whether it exists is the
// database's to say (checkCategory).
func (c Category) valid() bool { return len(c) <= 60 && keyPattern.MatchString(string(c)) }

// Summary is what a list shows of one article in one language.
type Summary struct {
	ArticleID   int64
	Key         string
	Lang        string
	Slug        string
	Title       string
	Description string
	Category    Category
	PublishedAt time.Time
	Views       int64
}

// Article is one article in one language, ready to show.
type Article struct {
	Summary           // Lang is the language of the text, which Fallback says may not be the one asked for
	BodyHTML   string // rendered from Markdown and sanitized; safe to emit as is
	UpdatedAt  time.Time
	HelpfulYes int64
	HelpfulNo  int64
	// Related: front-matter related first, then same-category fill, those in
	// the language asked for first; at most 4. One shown in another language
	// says so in its Lang.
	// In the catalog, Related is nil: the shelf keeps the translation ids
	// of the list (shelf.related), resolved when the article is handed out
	// (catalog.hand): a list of Summary copies per article and shelf was a
	// quarter of the live heap at 50,000 articles, all pointers for the
	// collector to mark, and kept apart from the Article, an article's
	// fallback entries are one Article for every shelf.
	Related []Summary
	// Translations are every published translation of the article (this one
	// too), by language: for hreflang links and the language switcher.
	Translations []Translation

	// Fallback: the article has no published translation in the language
	// asked for, and is shown in its best language instead (its source, else
	// English, else any).
	Fallback bool
	// Outdated: the source changed (at SourceUpdatedAt) after the revision
	// this translation was made from. Never set on the source itself.
	Outdated        bool
	SourceUpdatedAt time.Time // when the source text last changed; zero when the source is unpublished
	SourceLang      string    // the language the article is written in first
	SourceSlug      string    // the source's slug; "" when the source is unpublished

	// Redirect is set by Article when the slug asked for is not this page's
	// own address: it named the article in another language, or was its key.
	// The canonical address is the language asked for with Slug (for a
	// fallback, the shown translation's slug: /es/articles/<english-slug>).
	Redirect bool
}

// Translation is one published language of an article.
type Translation struct {
	Lang, Slug, Title string
}

// hand returns a copy of a, an article of c's shelf sh, with its Related
// list made from sh.related and c.byTranslation: the catalog is shared.
func (c *catalog) hand(sh *shelf, a *Article) *Article {
	out := *a
	out.Related = nil
	for _, id := range sh.related.get(a.ArticleID) {
		if s, ok := c.byTranslation[id]; ok && id != 0 {
			out.Related = append(out.Related, s)
		}
	}
	out.Translations = slices.Clone(a.Translations)
	return &out
}

// Tally is the helpful / not helpful count of an article.
type Tally struct{ Yes, No int64 }

// Options configure a KB.
type Options struct {
	Secret     crypt.Secret
	Now        func() time.Time               // nil = time.Now; tests inject a clock
	ArticleURL func(lang, slug string) string // how to link an article (article:KEY links); nil = links.Portal("").Article
	PageURL    func(lang, path string) string // how to link a portal path like "/support"; nil = links.Portal("").Page
	Log        *slog.Logger                   // nil = slog.Default(); only Run logs (failed flushes)
	// Renders, when set, is another KB's rendered catalog to start from
	// (rendersnapshot.go): what still fits is not rendered again.
	Renders *RenderSnapshot
	// OnChange, when set, is called after a write here changed what
	// visitors read (kb_generation moved), once it is committed: the other
	// instances on the database reload at once (store.Changes) instead of
	// at their next Refresh.
	OnChange func()
}

// KB is the knowledge base. Reads come from an immutable in-memory catalog
// swapped atomically; writes go to the store and then refresh the catalog.
type KB struct {
	db      *store.DB
	opts    Options
	now     func() time.Time
	log     *slog.Logger
	voteKey []byte
	// searchQueryKey hashes a query too few visitors searched; searchVisitorKey
	// a visitor's address and day.
	searchQueryKey, searchVisitorKey []byte
	fts                              fullText

	cat      atomic.Pointer[catalog]
	sections atomic.Pointer[Sections] // the categories, loaded with the catalog
	versions atomic.Uint64            // the last catalog version handed out
	// generation is kb_generation's count the catalog was loaded at (Refresh).
	generation atomic.Int64
	// builds counts the catalogs built whole (reload): tests tell a patch
	// from a whole build by it.
	builds atomic.Int64

	// mu serialises catalog rebuilds and guards counts, the persisted numbers
	// (views, votes) the next rebuild shows.
	mu     sync.Mutex
	counts map[int64]counts

	// pendingViews holds an unflushed view counter per article. It only grows
	// (under mu, copy-on-write) so CountView reads it without a lock.
	pendingViews atomic.Pointer[map[int64]*atomic.Int64]

	// daily holds unflushed views per article and page language (stats.go).
	daily dailyViews

	searchLog searchLog
	results   resultCache
	renders   renderCache // the last catalog's rendered bodies (reload, under mu)
	// indexOnly has every search ranked by the index, none from the word
	// lists (impact.go; on PostgreSQL, from the matched documents' words,
	// rank.go): set by benchmarks and tests only, to compare the two.
	indexOnly bool
}

// New loads the catalog from db. The database must be migrated. A search
// index written by an older version is rebuilt first (see indexFormat).
func New(ctx context.Context, db *store.DB, opts Options) (*KB, error) {
	k := &KB{
		db:      db,
		opts:    opts,
		now:     opts.Now,
		log:     opts.Log,
		voteKey: opts.Secret.Subkey("kb.vote"),
		results: resultCache{Max: maxCachedResults},

		searchQueryKey:   opts.Secret.Subkey("kb.search.query"),
		searchVisitorKey: opts.Secret.Subkey("kb.search.visitor"),
	}
	if k.now == nil {
		k.now = time.Now
	}
	if k.log == nil {
		k.log = slog.Default()
	}
	if k.opts.ArticleURL == nil {
		k.opts.ArticleURL = links.Portal("").Article
	}
	if k.opts.PageURL == nil {
		k.opts.PageURL = links.Portal("").Page
	}
	var err error
	if db.Engine == store.Postgres {
		k.fts, err = newPostgresFTS(ctx, db.Read)
	} else {
		k.fts, err = newSQLiteFTS(ctx, db.Read)
	}
	if err != nil {
		return nil, errs.Wrap(err, "kb: prepare search")
	}
	if err := k.upgradeIndex(ctx); err != nil {
		return nil, errs.Wrap(err, "kb: rebuild search index")
	}
	k.searchLog.pending = map[searchKey]*searchCount{}
	empty := map[int64]*atomic.Int64{}
	k.pendingViews.Store(&empty)
	opts.Renders.seed(&k.renders)
	if err := k.reload(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// written reloads the catalog after a write here that moved kb_generation,
// and says so (Options.OnChange). Every write ends here or in
// reloadArticles; reload itself is for New and Refresh
// (TestChanged_EveryWriteIsAnnounced).
func (k *KB) written(ctx context.Context) error {
	k.changed()
	return k.reload(ctx)
}

// changed tells the other instances that a write here is committed.
func (k *KB) changed() {
	if k.opts.OnChange != nil {
		k.opts.OnChange()
	}
}

// reload reads every published translation from the database, renders it and
// swaps in a fresh catalog.
func (k *KB) reload(ctx context.Context) error {
	// Held throughout, so no flush or vote lands between reading the counts
	// and installing them.
	k.mu.Lock()
	defer k.mu.Unlock()
	// Read before the library: a publication in between is loaded now, or
	// found by the next Refresh, never missed.
	var gen int64
	if err := k.db.Read.QueryRowContext(ctx, sqlEdGeneration).Scan(&gen); err != nil {
		return errs.Wrap(err, "kb: read generation")
	}
	rows, err := loadLibrary(ctx, k.db.Read)
	if err != nil {
		return errs.Wrap(err, "kb: load catalog")
	}
	lib := buildLibrary(rows, k.opts, &k.renders)
	if err := k.loadSections(ctx); err != nil {
		return err
	}
	k.counts = rows.counts
	k.growViews()
	lib.impacts.startAll(lib) // search's word lists (impact.go), in the background
	k.install(newCatalog(lib, k.counts))
	k.generation.Store(gen)
	k.builds.Add(1)
	return nil
}

// refresh rebuilds the light part of the catalog (orders, numbers) after the
// counts changed; the rendered articles are reused. Callers hold k.mu.
//
// Counts are not what a visitor's page shows, but for the order of the
// Popular lists: the new catalog keeps the old version unless the first
// PopularShown of some Popular list changed (issue 13, "Scale": a vote or the
// minute's flush of view counts no longer throws away every kept page and
// search). A page showing a tally (the thanks after a vote) is rendered for
// the voter, not kept.
func (k *KB) refresh() {
	old := k.cat.Load()
	c := newCatalog(old.lib, k.counts)
	if samePopular(old, c) {
		c.version = old.version
		k.cat.Store(c)
		return
	}
	k.install(c)
}

// PopularShown is how much of a Popular list (Popular, HomeLists) the catalog
// version covers: pages that show more may show an order older than the
// counts.
const PopularShown = 10

// samePopular reports whether a and b, built from one library, start every
// Popular list with the same PopularShown articles.
func samePopular(a, b *catalog) bool {
	same := func(x, y *shelf) bool {
		n := min(PopularShown, len(x.popular))
		if len(y.popular) < n {
			return false
		}
		for i := range n {
			if a.byTranslation[x.popular[i]].ArticleID != b.byTranslation[y.popular[i]].ArticleID {
				return false
			}
		}
		return true
	}
	for lang, sh := range a.shelves {
		if b.shelves[lang] == nil || !same(sh, b.shelves[lang]) {
			return false
		}
	}
	return same(a.none, b.none)
}

func (k *KB) install(c *catalog) {
	c.version = k.versions.Add(1)
	k.cat.Store(c)
}

// Version changes whenever what visitors' pages show of the catalog changes
// (articles, categories, the first PopularShown of a Popular list), so pages
// rendered from it can be kept per version. Views and votes alone keep it
// (refresh): the numbers an Article holds may be newer than its version.
func (k *KB) Version() uint64 { return k.cat.Load().version }

// Languages lists the languages that have published articles, sorted.
func (k *KB) Languages() []string { return slices.Clone(k.cat.Load().lib.langs) }

// Section lists every published article of a category by position: in lang
// where it is translated, else in its best language (Summary.Lang says which,
// for the view to label).
func (k *KB) Section(lang string, c Category) []Summary {
	cat := k.cat.Load()
	return cat.summaries(cat.shelf(lang).sections[c])
}

// Popular lists up to n FAQ articles by view count (one count per article,
// all languages together), most read first; in lang or labelled as Section.
func (k *KB) Popular(lang string, n int) []Summary {
	c := k.cat.Load()
	return c.head(c.shelf(lang).popular, n)
}

// Latest lists up to n FAQ articles by publication date of what is shown,
// newest first; in lang or labelled as Section.
func (k *KB) Latest(lang string, n int) []Summary {
	c := k.cat.Load()
	return c.head(c.shelf(lang).latest, n)
}

// HomeLists are the home page's two lists, which never show the same article
// twice: up to n Popular FAQ articles, and up to n Latest of the others,
// newest first. A newly published article that is already popular is in
// Popular; Latest shows what a visitor has not yet been offered.
func (k *KB) HomeLists(lang string, n int) (popular, latest []Summary) {
	c := k.cat.Load()
	sh := c.shelf(lang)
	popular = c.head(sh.popular, n)
	latest = make([]Summary, 0, max(n, 0))
	for _, id := range sh.latest {
		if len(latest) == n {
			break
		}
		s := c.byTranslation[id]
		// n is a handful: a scan of popular costs less than a map per request.
		if !slices.ContainsFunc(popular, func(p Summary) bool { return p.ArticleID == s.ArticleID }) {
			latest = append(latest, s)
		}
	}
	return popular, latest
}

func (c *catalog) head(list []int64, n int) []Summary {
	if n < 0 {
		n = 0
	}
	return c.summaries(list[:min(n, len(list))])
}

// Article returns the article a page in lang shows at slug. Its own slug in
// lang gives its translation; any other language's slug, or its key, gives
// the same article with Redirect set; an article with no translation in lang
// comes in its best language with Fallback set.
func (k *KB) Article(lang, slug string) (*Article, error) {
	c := k.cat.Load()
	sh := c.shelf(lang)
	if a := sh.bySlug.get(slug); a != nil {
		return c.hand(sh, a), nil
	}
	id, ok := c.lib.addresses[slug]
	if !ok {
		return nil, errs.E(errs.NotFound, "kb.article.not_found")
	}
	a := c.hand(sh, sh.byArticle.get(id))
	a.Redirect = a.Slug != slug
	return a, nil
}

// ArticleAddress is where slug leads on a page in lang, without a copy of
// the article (Article makes one): the article's id and its slug in lang
// (another slug than the one asked for is a redirect, as Article's
// Redirect). A page kept for everyone needs only this to be sent; Article
// is for rendering it.
func (k *KB) ArticleAddress(lang, slug string) (articleID int64, canonical string, err error) {
	c := k.cat.Load()
	sh := c.shelf(lang)
	if a := sh.bySlug.get(slug); a != nil {
		return a.ArticleID, a.Slug, nil
	}
	id, ok := c.lib.addresses[slug]
	if !ok {
		return 0, "", errs.E(errs.NotFound, "kb.article.not_found")
	}
	a := sh.byArticle.get(id)
	return a.ArticleID, a.Slug, nil
}

// ArticleIn returns the published translation in lang with slug, and nothing else.
func (k *KB) ArticleIn(lang, slug string) (*Article, error) {
	c := k.cat.Load()
	s := c.shelves[lang]
	if s == nil || s.bySlug.get(slug) == nil {
		return nil, errs.E(errs.NotFound, "kb.article.not_found")
	}
	return c.hand(s, s.bySlug.get(slug)), nil
}

// ArticleByKey returns the article with key as a page in lang shows it: in
// lang when published there, else in its best language, with fallback true.
func (k *KB) ArticleByKey(lang, key string) (*Article, bool, error) {
	c := k.cat.Load()
	a := c.lib.byKey[key]
	if a == nil || c.shelf(lang).byArticle.get(a.id) == nil {
		return nil, false, errs.E(errs.NotFound, "kb.article.not_found")
	}
	out := c.hand(c.shelf(lang), c.shelf(lang).byArticle.get(a.id))
	return out, out.Fallback, nil
}
