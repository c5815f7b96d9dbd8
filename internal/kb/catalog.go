package kb

import (
	"cmp"
	"slices"
	"time"
)

// The catalog is what readers see: built from the database, never changed
// afterwards, replaced whole through an atomic pointer. Building it has two
// layers: the library (rendered bodies, vocabularies: costly, rebuilt only when
// articles change) and the catalog proper (orders and numbers: cheap, rebuilt
// whenever view counts or votes change).
//
// One article has many translations. Every language's shelf lists every
// article: in that language when it has a published translation, else in the
// best language it has (its source, else English, else the first), where the
// Summary's Lang tells the view to label it. Languages with no translation at
// all share one shelf of best languages.

// sourceLanguage is the language articles are written in first: the second
// choice, after the source itself, for an article missing in a language.
const sourceLanguage = "en"

// doc is one published translation, rendered.
type doc struct {
	id              int64 // translation id
	article         *articleRow
	lang            string
	slug            string
	title           string
	description     string
	publishedAt     time.Time
	updatedAt       time.Time // when this text last changed
	sourceUpdatedAt time.Time // the source's revision this text was made from
	bodyHTML        string    // for a page in its own language
	plain           string    // the body's words, for search snippets
	keywords        string    // indexed with the body (withKeywords)
	// terms are the vocabulary's words of the document (rendered.terms), so
	// a patched library takes them out of the vocabulary again.
	terms []termID
}

type library struct {
	docs         []*doc        // by language, category, position, key
	articles     []*articleRow // those with a published translation, by category, position, key
	byKey        map[string]*articleRow
	all          map[int64]*articleRow // every article, published or not, by id
	related      map[int64][]int64
	byLang       map[string]map[int64]*doc // language → article id → doc
	byArticle    map[int64][]*doc          // article id → docs by language
	translations map[int64][]Translation   // article id → its published translations by language
	langs        []string                  // with a published translation, sorted
	addresses    map[string]int64          // every key and published slug → article id
	// fallbackHTML holds, per page language, the bodies of the docs shown
	// there in another language, rendered so their links stay in the page's
	// language.
	fallbackHTML map[string]*chunked[int64, string]
	vocab        map[string]*vocabulary
	impacts      impactIndexes // per language, built at the first search that needs it
}

func buildLibrary(rows *libraryRows, opts Options, rc *renderCache) *library {
	rc.start()
	defer rc.done()
	lib := &library{
		byKey: map[string]*articleRow{}, all: rows.articles, related: rows.related, byLang: map[string]map[int64]*doc{},
		byArticle: map[int64][]*doc{}, translations: map[int64][]Translation{}, addresses: map[string]int64{},
		fallbackHTML: map[string]*chunked[int64, string]{}, vocab: map[string]*vocabulary{},
	}
	for _, a := range rows.articles {
		lib.byKey[a.key] = a
	}
	bodies := map[int64]string{}
	keywords := map[int64]string{}
	for _, t := range rows.translations {
		a := rows.articles[t.articleID]
		if a == nil {
			continue
		}
		d := &doc{
			id: t.id, article: a, lang: t.lang, slug: t.slug, title: t.title, description: t.desc,
			publishedAt: time.Unix(t.publishedAt, 0).UTC(), updatedAt: time.Unix(t.updatedAt, 0).UTC(),
			sourceUpdatedAt: time.Unix(t.sourceUpdatedAt, 0).UTC(), keywords: t.keywords,
		}
		bodies[d.id] = t.body
		keywords[d.id] = t.keywords
		lib.docs = append(lib.docs, d)
		if lib.byLang[d.lang] == nil {
			lib.byLang[d.lang] = map[int64]*doc{}
			lib.langs = append(lib.langs, d.lang)
		}
		lib.byLang[d.lang][a.id] = d
		if lib.byArticle[a.id] == nil {
			lib.articles = append(lib.articles, a)
		}
		lib.byArticle[a.id] = append(lib.byArticle[a.id], d)
	}
	slices.Sort(lib.langs)
	slices.SortFunc(lib.docs, compareDocs)
	slices.SortFunc(lib.articles, compareArticles)
	for _, a := range lib.articles {
		docs := lib.byArticle[a.id]
		slices.SortFunc(docs, func(x, y *doc) int { return cmp.Compare(x.lang, y.lang) })
		for _, d := range docs {
			lib.translations[a.id] = append(lib.translations[a.id], Translation{Lang: d.lang, Slug: d.slug, Title: d.title})
		}
	}

	lib.setAddresses()

	builders := map[string]*vocabBuilder{}
	own := make(map[int64]*rendered, len(lib.docs)) // each doc's render in its language
	for _, d := range lib.docs {
		r := rc.render(d.id, d.lang, bodies[d.id], lib.linker(d.lang, opts))
		own[d.id] = r
		d.bodyHTML = r.html
		vb := builders[d.lang]
		if vb == nil {
			vb = newVocabBuilder()
			builders[d.lang] = vb
		}
		d.plain = r.plainText()
		d.terms = r.terms(d.title, withKeywords(d.plain, keywords[d.id])) // what the index holds
		vb.addTerms(d.terms)
	}
	for lang, vb := range builders {
		lib.vocab[lang] = vb.build()
	}
	for _, lang := range lib.langs {
		l := lib.linker(lang, opts)
		fb := edit[int64, string](nil)
		for _, a := range lib.articles {
			if d := lib.best(a, lang); d.lang == lang {
				continue
			} else if own[d.id].sameEverywhere() {
				fb.set(d.id, d.bodyHTML)
			} else {
				fb.set(d.id, rc.render(d.id, lang, bodies[d.id], l).html)
			}
		}
		if fb.m.len() > 0 {
			lib.fallbackHTML[lang] = fb.done()
		}
	}
	return lib
}

// setAddresses fills lib.addresses from its articles and docs.
func (lib *library) setAddresses() {
	// Addresses in another language (or by key) lead to the article; should two
	// articles share one, keys win, then source-language slugs, then the rest
	// by language. (The demo loader refuses such clashes.)
	for _, a := range lib.articles {
		lib.addresses[a.key] = a.id
	}
	for _, a := range lib.articles {
		if d := lib.byLang[a.sourceLang][a.id]; d != nil {
			if _, taken := lib.addresses[d.slug]; !taken {
				lib.addresses[d.slug] = a.id
			}
		}
	}
	for _, d := range lib.docs {
		if _, taken := lib.addresses[d.slug]; !taken {
			lib.addresses[d.slug] = d.article.id
		}
	}
}

func compareArticles(a, b *articleRow) int {
	return cmp.Or(cmp.Compare(categoryRank(a.category), categoryRank(b.category)),
		cmp.Compare(a.position, b.position), cmp.Compare(a.key, b.key))
}

// best is the translation of a shown on a page in lang: lang's own, else the
// source's, else English, else the first. Nil when a has none published.
func (lib *library) best(a *articleRow, lang string) *doc {
	for _, l := range []string{lang, a.sourceLang, sourceLanguage} {
		if d := lib.byLang[l][a.id]; d != nil {
			return d
		}
	}
	if docs := lib.byArticle[a.id]; len(docs) > 0 {
		return docs[0]
	}
	return nil
}

// untranslated counts the articles with no published translation in lang.
func (lib *library) untranslated(lang string) int {
	return len(lib.articles) - len(lib.byLang[lang])
}

// linker links article:KEY and portal paths for a page in lang: an article
// missing in lang is linked in the page's language all the same, where it is
// shown in its best language with a notice.
func (lib *library) linker(lang string, opts Options) linker {
	return linker{
		article: func(key string) (string, bool) {
			a := lib.byKey[key]
			if a == nil {
				return "", false
			}
			d := lib.best(a, lang)
			if d == nil {
				return "", false
			}
			return opts.ArticleURL(lang, d.slug), true
		},
		page: func(path string) string { return opts.PageURL(lang, path) },
	}
}

func categoryRank(c Category) int {
	if i := slices.Index(Categories, c); i >= 0 {
		return i
	}
	return len(Categories)
}

type catalog struct {
	version       uint64
	lib           *library
	shelves       map[string]*shelf // languages with a published translation
	none          *shelf            // every other language
	byTranslation map[int64]Summary // for search hits
	docs          map[int64]*doc    // translation id → doc, for snippets
	phrases       phraseRows        // index rows per phrase searched (impact.go)
	ranking       goRanking         // averages and documents' words, for a goRanked index (rank.go)
}

// shelf is what a page in one language shows.
type shelf struct {
	bySlug    *chunked[string, *Article] // the language's own translations by slug
	byArticle *chunked[int64, *Article]  // every article as shown in the language
	// related holds, by article id, the translation ids of its Related list
	// on this shelf (none: no entry); Articles hold none (catalog.hand).
	related *chunked[int64, [maxRelated]int64]
	// sections, popular and latest are translation ids, resolved through
	// catalog.byTranslation when a list is handed out (session 21: as
	// []Summary, seven pointers an entry, one per article and shelf, they
	// were tens of MB for the collector to mark at 50,000 articles; pages
	// that show them are kept per version).
	sections map[Category][]int64 // every article, by position
	popular  []int64              // faq by views, most first; ties by position
	latest   []int64              // faq by publication, newest first
	// notes are the first FooterNotes of the Technical Notes section, shared
	// read-only with every page (KB.TechnicalNotes).
	notes []Summary
	// heads holds, per category, the first relatedHead of its section in
	// the shelf's language and the first relatedHead in others: all that
	// related can take (a full scan per article made a category of n
	// articles cost n² on a shelf where most are fallbacks).
	heads map[Category][2][]Summary
}

// relatedHead bounds what related reads of a category: it adds at most
// maxRelated and skips at most the article itself and its maxRelated
// front-matter related ones.
const relatedHead = 2*maxRelated + 1

// setHeads sets sh.heads of category cat from its section, resolved in
// byTranslation.
func (sh *shelf) setHeads(cat Category, lang string, byTranslation map[int64]Summary) {
	var h [2][]Summary
	for _, id := range sh.sections[cat] {
		s := byTranslation[id]
		i := 1
		if s.Lang == lang {
			i = 0
		}
		if len(h[i]) < relatedHead {
			h[i] = append(h[i], s)
		}
	}
	if len(h[0])+len(h[1]) == 0 {
		delete(sh.heads, cat)
		return
	}
	sh.heads[cat] = h
}

// shelfEdit changes a shelf's articles while it is made (newShelf, patchCatalog).
type shelfEdit struct {
	bySlug    *chunkEdit[string, *Article]
	byArticle *chunkEdit[int64, *Article]
	related   *chunkEdit[int64, [maxRelated]int64]
}

func (sh *shelf) edit() *shelfEdit {
	return &shelfEdit{bySlug: edit(sh.bySlug), byArticle: edit(sh.byArticle), related: edit(sh.related)}
}

func (sh *shelf) done(e *shelfEdit) {
	sh.bySlug, sh.byArticle, sh.related = e.bySlug.done(), e.byArticle.done(), e.related.done()
}

func (c *catalog) shelf(lang string) *shelf {
	if s := c.shelves[lang]; s != nil {
		return s
	}
	return c.none
}

const maxRelated = 4

func newCatalog(lib *library, numbers map[int64]counts) *catalog {
	c := &catalog{
		lib: lib, shelves: make(map[string]*shelf, len(lib.langs)),
		byTranslation: make(map[int64]Summary, len(lib.docs)), docs: make(map[int64]*doc, len(lib.docs)),
	}
	for _, d := range lib.docs {
		c.byTranslation[d.id] = summaryOf(d, numbers)
		c.docs[d.id] = d
	}
	shared := map[int64][]*Article{}
	for _, lang := range lib.langs {
		c.shelves[lang] = c.newShelf(lang, numbers, shared)
	}
	c.none = c.newShelf("", numbers, shared)
	return c
}

func summaryOf(d *doc, numbers map[int64]counts) Summary {
	return Summary{
		ArticleID: d.article.id, Key: d.article.key, Lang: d.lang, Slug: d.slug, Title: d.title,
		Description: d.description, Category: d.article.category, PublishedAt: d.publishedAt,
		Views: numbers[d.article.id].views, // one article, many translations: one count
	}
}

// newShelf makes the shelf of lang. shared holds, by article id, the
// fallback entries earlier shelves of the build made: an entry the same in
// every field as one of them is that one (session 21: at 50,000 articles in
// one language shown in 8, many of the seven fallback entries of an article
// were equal copies, objects of pointers for the collector to mark; with
// the Related ids kept beside them (shelf.related), most are; a patch
// makes its entries anew, equal to the shared ones, so they are shared again
// at the next whole build).
func (c *catalog) newShelf(lang string, numbers map[int64]counts, shared map[int64][]*Article) *shelf {
	lib := c.lib
	sh := &shelf{sections: map[Category][]int64{}, heads: map[Category][2][]Summary{}}
	for _, a := range lib.articles { // sorted: sections come out by position
		sh.sections[a.category] = append(sh.sections[a.category], lib.best(a, lang).id)
	}
	for cat := range sh.sections {
		sh.setHeads(cat, lang, c.byTranslation)
	}
	ed := sh.edit()
	for _, a := range lib.articles {
		c.putArticle(sh, ed, a, lang, numbers, shared)
	}
	sh.done(ed)
	c.sortFAQ(sh)
	c.setNotes(sh)
	return sh
}

// putArticle sets a's Article on sh, the shelf of lang (sections filled),
// through ed; a fallback the same as one of shared's entries for a is that
// entry (shared may be nil).
func (c *catalog) putArticle(sh *shelf, ed *shelfEdit, a *articleRow, lang string, numbers map[int64]counts, shared map[int64][]*Article) {
	lib := c.lib
	d := lib.best(a, lang)
	n := numbers[a.id]
	art := &Article{
		Summary: c.byTranslation[d.id], BodyHTML: d.bodyHTML, UpdatedAt: d.updatedAt,
		HelpfulYes: n.yes, HelpfulNo: n.no, Translations: lib.translations[a.id],
		Fallback: d.lang != lang, SourceLang: a.sourceLang,
	}
	if h, ok := lib.fallbackHTML[lang].lookup(d.id); ok {
		art.BodyHTML = h
	}
	if src := lib.byLang[a.sourceLang][a.id]; src != nil {
		art.SourceSlug, art.SourceUpdatedAt = src.slug, src.updatedAt
		art.Outdated = src != d && src.updatedAt.After(d.sourceUpdatedAt)
	}
	if rel := c.related(sh, a, lang); rel != [maxRelated]int64{} {
		ed.related.set(a.id, rel)
	} else {
		ed.related.delete(a.id)
	}
	if art.Fallback && shared != nil {
		if i := slices.IndexFunc(shared[a.id], func(p *Article) bool { return sameEntry(p, art) }); i >= 0 {
			art = shared[a.id][i]
		} else {
			shared[a.id] = append(shared[a.id], art)
		}
	}
	ed.byArticle.set(a.id, art)
	if !art.Fallback {
		ed.bySlug.set(d.slug, art)
	}
}

// sameEntry reports whether two shelf entries are the same in every field
// (TestSameEntry_ComparesEveryField counts them).
func sameEntry(x, y *Article) bool {
	return x.Summary == y.Summary && x.BodyHTML == y.BodyHTML && x.UpdatedAt == y.UpdatedAt &&
		x.HelpfulYes == y.HelpfulYes && x.HelpfulNo == y.HelpfulNo &&
		len(x.Related) == 0 && len(y.Related) == 0 &&
		slices.Equal(x.Translations, y.Translations) && x.Fallback == y.Fallback && x.Outdated == y.Outdated &&
		x.SourceUpdatedAt == y.SourceUpdatedAt && x.SourceLang == y.SourceLang && x.SourceSlug == y.SourceSlug &&
		x.Redirect == y.Redirect
}

// sortFAQ sets sh's Popular and Latest lists from its FAQ section.
func (c *catalog) sortFAQ(sh *shelf) {
	type entry struct {
		id int64
		s  Summary
	}
	sorted := func(order func(a, b Summary) int) []int64 {
		faq := make([]entry, len(sh.sections[FAQ])) // by position
		for i, id := range sh.sections[FAQ] {
			faq[i] = entry{id, c.byTranslation[id]}
		}
		slices.SortStableFunc(faq, func(a, b entry) int { return order(a.s, b.s) })
		out := make([]int64, len(faq))
		for i, e := range faq {
			out[i] = e.id
		}
		return out
	}
	sh.popular = sorted(func(a, b Summary) int { return cmp.Compare(b.Views, a.Views) })
	sh.latest = sorted(func(a, b Summary) int { return b.PublishedAt.Compare(a.PublishedAt) })
}

// setNotes sets sh.notes from its Technical Notes section.
func (c *catalog) setNotes(sh *shelf) {
	all := sh.sections[TechNotes]
	sh.notes = c.summaries(all[:min(FooterNotes, len(all))])
}

// summaries is the list of the translations ids, as new Summaries.
func (c *catalog) summaries(ids []int64) []Summary {
	out := make([]Summary, len(ids))
	for i, id := range ids {
		out[i] = c.byTranslation[id]
	}
	return out
}

// related picks up to maxRelated articles for a on a page in lang: those its
// front matter names, then its category's, those in lang before those shown
// in another language. It gives their translation ids (0: none).
func (c *catalog) related(sh *shelf, a *articleRow, lang string) [maxRelated]int64 {
	var out [maxRelated]int64
	var articles [maxRelated]int64
	n := 0
	add := func(s Summary) {
		d := c.lib.byLang[s.Lang][s.ArticleID] // the doc s summarizes
		if s.ArticleID == a.id || d == nil || slices.Contains(articles[:n], s.ArticleID) {
			return
		}
		out[n], articles[n] = d.id, s.ArticleID
		n++
	}
	for _, id := range c.lib.related[a.id] {
		if d := c.lib.byArticle[id]; len(d) > 0 && n < maxRelated {
			add(c.byTranslation[c.lib.best(d[0].article, lang).id])
		}
	}
	for _, list := range sh.heads[a.category] { // in lang, then in others
		for _, s := range list {
			if n == maxRelated {
				return out
			}
			add(s)
		}
	}
	return out
}
