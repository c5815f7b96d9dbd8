package kb

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// The catalog is what readers see: built from the database, never changed
// afterwards, replaced whole through an atomic pointer. Building it has two
// layers: the library (rendered bodies, vocabularies: costly, rebuilt only when
// articles change) and the catalog proper (orders and numbers: cheap, rebuilt
// whenever view counts or votes change).

// doc is one published translation, rendered.
type doc struct {
	id          int64 // translation id
	article     *articleRow
	lang        string
	slug        string
	title       string
	description string
	publishedAt time.Time
	updatedAt   time.Time
	bodyHTML    string
	plain       string // the body's words, for search snippets
}

type library struct {
	docs    []*doc // by language, category, position, key
	related map[int64][]int64
	byLang  map[string]map[int64]*doc // language → article id → doc
	vocab   map[string]*vocabulary
}

func buildLibrary(rows *libraryRows, opts Options) *library {
	lib := &library{related: rows.related, byLang: map[string]map[int64]*doc{}, vocab: map[string]*vocabulary{}}
	byKey := map[string]*articleRow{}
	for _, a := range rows.articles {
		byKey[a.key] = a
	}
	for _, t := range rows.translations {
		a := rows.articles[t.articleID]
		if a == nil {
			continue
		}
		d := &doc{
			id: t.id, article: a, lang: t.lang, slug: t.slug, title: t.title, description: t.desc,
			publishedAt: time.Unix(t.publishedAt, 0).UTC(), updatedAt: time.Unix(t.updatedAt, 0).UTC(),
		}
		lib.docs = append(lib.docs, d)
		if lib.byLang[d.lang] == nil {
			lib.byLang[d.lang] = map[int64]*doc{}
		}
		lib.byLang[d.lang][a.id] = d
	}
	slices.SortFunc(lib.docs, func(a, b *doc) int {
		return cmp.Or(cmp.Compare(a.lang, b.lang), cmp.Compare(categoryRank(a.article.category), categoryRank(b.article.category)),
			cmp.Compare(a.article.position, b.article.position), cmp.Compare(a.article.key, b.article.key))
	})

	bodies := map[int64]string{}
	for _, t := range rows.translations {
		bodies[t.id] = t.body
	}
	builders := map[string]*vocabBuilder{}
	for _, d := range lib.docs {
		l := docLinker(lib, byKey, d.lang, opts)
		d.bodyHTML, _ = render(bodies[d.id], l)
		vb := builders[d.lang]
		if vb == nil {
			vb = newVocabBuilder()
			builders[d.lang] = vb
		}
		d.plain = plainText(d.bodyHTML)
		vb.addDocument(d.title, d.plain)
	}
	for lang, vb := range builders {
		lib.vocab[lang] = vb.build()
	}
	return lib
}

// docLinker links article:KEY to the article in the same language, or, when
// it has no published translation there, in its source language.
func docLinker(lib *library, byKey map[string]*articleRow, lang string, opts Options) linker {
	return linker{
		article: func(key string) (string, bool) {
			a := byKey[key]
			if a == nil {
				return "", false
			}
			for _, l := range []string{lang, a.sourceLang} {
				if d := lib.byLang[l][a.id]; d != nil {
					return opts.ArticleURL(l, d.slug), true
				}
			}
			return "", false
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
	langs         []string
	shelves       map[string]*shelf
	byTranslation map[int64]Summary // for search hits
	docs          map[int64]*doc    // translation id → doc, for snippets
}

// shelf is one language's share of the catalog.
type shelf struct {
	bySlug   map[string]*Article
	sections map[Category][]Summary
	popular  []Summary // faq by views, most first; ties by position
	latest   []Summary // faq by publication, newest first
}

const maxRelated = 4

func newCatalog(lib *library, numbers map[int64]counts) *catalog {
	c := &catalog{lib: lib, shelves: map[string]*shelf{}, byTranslation: make(map[int64]Summary, len(lib.docs)), docs: make(map[int64]*doc, len(lib.docs))}
	summaries := make(map[*doc]Summary, len(lib.docs))
	for _, d := range lib.docs { // sorted: sections come out by position
		s := Summary{
			ArticleID: d.article.id, Key: d.article.key, Lang: d.lang, Slug: d.slug, Title: d.title,
			Description: d.description, Category: d.article.category, PublishedAt: d.publishedAt,
			Views: numbers[d.article.id].views,
		}
		summaries[d] = s
		c.byTranslation[d.id] = s
		c.docs[d.id] = d
		sh := c.shelves[d.lang]
		if sh == nil {
			sh = &shelf{bySlug: map[string]*Article{}, sections: map[Category][]Summary{}}
			c.shelves[d.lang] = sh
			c.langs = append(c.langs, d.lang)
		}
		sh.sections[s.Category] = append(sh.sections[s.Category], s)
	}
	sort.Strings(c.langs)

	for _, d := range lib.docs {
		sh := c.shelves[d.lang]
		n := numbers[d.article.id]
		a := &Article{
			Summary: summaries[d], BodyHTML: d.bodyHTML, UpdatedAt: d.updatedAt,
			HelpfulYes: n.yes, HelpfulNo: n.no,
		}
		picked := map[int64]bool{d.article.id: true}
		for _, id := range lib.related[d.article.id] {
			if r := lib.byLang[d.lang][id]; r != nil && !picked[id] && len(a.Related) < maxRelated {
				picked[id] = true
				a.Related = append(a.Related, summaries[r])
			}
		}
		for _, s := range sh.sections[d.article.category] {
			if len(a.Related) >= maxRelated {
				break
			}
			if !picked[s.ArticleID] {
				picked[s.ArticleID] = true
				a.Related = append(a.Related, s)
			}
		}
		sh.bySlug[d.slug] = a
	}

	for _, sh := range c.shelves {
		faq := sh.sections[FAQ] // by position
		sh.popular = slices.Clone(faq)
		slices.SortStableFunc(sh.popular, func(a, b Summary) int { return cmp.Compare(b.Views, a.Views) })
		sh.latest = slices.Clone(faq)
		slices.SortStableFunc(sh.latest, func(a, b Summary) int { return b.PublishedAt.Compare(a.PublishedAt) })
	}
	return c
}
