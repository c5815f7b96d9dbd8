package kb

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"zerodesk/internal/cache"
	"zerodesk/internal/errs"
	"zerodesk/internal/words"
)

// Results are the answer to one search.
type Results struct {
	Query string // the query as understood (normalized)
	Hits  []Hit  // in the language searched: the page asked for
	// Total is how many articles in the language searched match (up to
	// maxTotal), of which Hits are page Page of PerPage each.
	Total, Page, PerPage int
	// Other are matches in other languages for articles that have no published
	// translation in the language searched (so never an article of Hits): one
	// hit per article, in its source language when that matched, Summary.Lang
	// telling which. Looked for only when Hits has fewer than the limit, and
	// together they keep to it.
	Other      []Hit
	Suggestion string // "did you mean" word(s) from the index vocabulary; "" when none
	Corrected  bool   // Hits are for Suggestion because Query alone found nothing
}

// Hit is one article found.
type Hit struct {
	Summary
	Snippet []Fragment // a short excerpt of the body around the matches
}

// Fragment is a piece of a snippet; the view marks the Match ones.
type Fragment struct {
	Text  string
	Match bool
}

// fullText is the store-specific part of search: SQLite FTS5 (fts_sqlite.go)
// or PostgreSQL (fts_postgres.go). Everything else in search is portable.
type fullText interface {
	// index adds a translation's title and plain text to the index, both in
	// index form (words.IndexText): folded words and CJK bigrams, split at spaces.
	index(ctx context.Context, tx *sql.Tx, translationID int64, lang, title, text string) error
	// unindex removes a translation from the index (before it is indexed
	// again with its new text).
	unindex(ctx context.Context, tx *sql.Tx, translationID int64) error
	// indexed is called after a batch of index calls, to tidy the index up.
	indexed(ctx context.Context, tx *sql.Tx) error
	// clear empties the index before it is rebuilt.
	clear(ctx context.Context, tx *sql.Tx) error
	// search returns the best-ranked translations in lang, drafts included:
	// the catalog, which holds only what is published, keeps the rest. A
	// goRanked index returns every match, by id (rank.go).
	search(ctx context.Context, lang string, q ftsQuery, limit int) ([]ftsHit, error)
	// averages is what bm25 averages over: the rows in the index (every
	// language, drafts too) and the tokens they hold, all columns together.
	// rankInMemory ranks with it as the index does.
	averages(ctx context.Context) (rows, tokens int64, err error)
	// searchUntranslated returns the best-ranked published translations in
	// other languages of the articles with no published translation in lang
	// (a goRanked index: every one, by id).
	searchUntranslated(ctx context.Context, lang string, q ftsQuery, limit int) ([]ftsHit, error)
}

// ftsQuery is a parsed query: folded words, all required (or, with or, at
// least one); with prefix the last word may be the start of a word. A word
// may be a phrase (folded words joined by spaces), and alts[i], when there,
// are other phrases any of which will do instead of words[i] (synonyms).
type ftsQuery struct {
	words  []string
	alts   [][]string
	or     bool
	prefix bool
}

type ftsHit struct {
	translationID int64
}

const (
	maxQueryRunes = 200
	maxTerms      = 16
	defaultLimit  = 20
	maxLimit      = 100
	// maxTotal bounds the matches counted (and paged through) per search.
	maxTotal = 1000
)

// term is one word of a query, or a run of words that is a synonym.
type term struct {
	word   string   // lower-cased, as typed
	folded string   // as the index knows it (words of a phrase joined by spaces)
	alts   []string // synonyms: folded phrases that will do instead
}

// Search finds published articles in lang: the first limit of them. An empty
// query finds nothing and is no error; a query over 200 characters is refused.
func (k *KB) Search(ctx context.Context, lang, query string, limit int) (*Results, error) {
	return k.SearchPage(ctx, lang, query, 1, limit)
}

// SearchPage is Search for page page (from 1) of perPage results; a page
// past the last is the last. Results.Total counts every match.
func (k *KB) SearchPage(ctx context.Context, lang, query string, page, perPage int) (*Results, error) {
	limit := perPage
	// Cheap refusal first: no amount of repairing makes this short enough.
	if len(query) > 4*maxQueryRunes+1024 {
		return nil, errs.E(errs.Invalid, "search.query.too_long")
	}
	query = strings.TrimSpace(norm.NFC.String(strings.ToValidUTF8(query, "")))
	if utf8.RuneCountInString(query) > maxQueryRunes {
		return nil, errs.E(errs.Invalid, "search.query.too_long")
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	page = max(page, 1)

	terms := parseQuery(query)
	shown := showTerms(terms)
	cat := k.cat.Load()
	key := resultKey{lang: lang, query: shown, limit: limit, page: page}
	if cached, ok := k.results.Get(cat.version, key); ok {
		return cached, nil
	}
	// Only a miss pays for the answer and the synonyms: a repeated query
	// (typing, a popular question) allocates nothing but its parsed words.
	res := &Results{Query: shown, Page: page, PerPage: limit}
	terms = expandSynonyms(lang, terms)
	res, err := k.search(ctx, cat, lang, terms, res, limit)
	if err == nil {
		k.results.Put(cat.version, key, res)
	}
	return res, err
}

// search runs a parsed query against the index: in lang, then, when that
// leaves room, in the other languages for the articles lang lacks.
func (k *KB) search(ctx context.Context, cat *catalog, lang string, terms []term, res *Results, limit int) (*Results, error) {
	if len(terms) == 0 {
		return res, nil
	}
	used, err := k.searchIn(ctx, cat, lang, terms, res, limit)
	if err != nil {
		return nil, err
	}
	// Other languages fill the first page only, when lang's matches leave room.
	need := limit - res.Total
	if res.Page > 1 || need <= 0 || cat.lib.untranslated(lang) == 0 {
		return res, nil
	}
	// The query that found the hits (corrected or not), so both lists answer
	// the same question; with no hits, the words as typed: all, then any (the
	// corrections come from lang's vocabulary, not the others').
	var queries []ftsQuery
	switch {
	case used != nil:
		queries = append(queries, *used)
	default:
		if cat.knownElsewhere(lang, terms, false) {
			queries = append(queries, toFTS(terms, false))
		}
		if len(terms) > 1 && cat.knownElsewhere(lang, terms, true) {
			queries = append(queries, toFTS(terms, true))
		}
	}
	for _, q := range queries {
		// An article may match in every language it has: fetch enough rows
		// to keep need articles after picking one language each.
		hits, err := k.untranslated(ctx, cat, lang, q, min(need*max(1, len(cat.lib.langs)), 1000))
		if err != nil {
			return nil, searchError(ctx, err)
		}
		res.Other = pickOther(cat, lang, hits, q, need)
		if len(res.Other) > 0 {
			break
		}
	}
	return res, nil
}

// searchIn fills res.Hits from lang and returns the query that found them.
func (k *KB) searchIn(ctx context.Context, cat *catalog, lang string, terms []term, res *Results, limit int) (*ftsQuery, error) {
	vocab := cat.lib.vocab[lang]
	if vocab == nil {
		return nil, nil // nothing published in this language
	}

	// Words the index does not know are misspelled, or missing from the
	// articles. CJK runs are left to the index: bigrams are no spelling.
	fixed := slices.Clone(terms)
	known := make([]bool, len(terms))      // of terms
	knownFixed := make([]bool, len(terms)) // of fixed
	changed := false
	for i, t := range terms {
		if termKnown(vocab, t, i == len(terms)-1) {
			known[i], knownFixed[i] = true, true
			continue
		}
		if strings.Contains(t.folded, " ") {
			continue // a phrase is not corrected
		}
		if c := vocab.correct(t.folded); c != "" {
			fixed[i] = term{word: vocab.show(c), folded: c}
			knownFixed[i] = true
			changed = true
		}
	}
	if changed {
		res.Suggestion = showTerms(fixed)
	}

	// All words first, then the corrected words, then any word: a visitor who
	// typed "reset pasword" wants password resets, not every reset. A search
	// the vocabulary already knows to be empty is not sent to the index.
	type attempt struct {
		terms     []term
		or, fixed bool
	}
	var attempts []attempt
	if !slices.Contains(known, false) {
		attempts = append(attempts, attempt{terms, false, false})
	}
	if changed && !slices.Contains(knownFixed, false) {
		attempts = append(attempts, attempt{fixed, false, true})
	}
	if len(terms) > 1 {
		if slices.Contains(known, true) {
			attempts = append(attempts, attempt{terms, true, false})
		}
		if changed {
			attempts = append(attempts, attempt{fixed, true, true})
		}
	}
	for _, a := range attempts {
		q := toFTS(a.terms, a.or)
		docs, err := k.published(ctx, cat, lang, q)
		if err != nil {
			return nil, err
		}
		if len(docs) == 0 {
			continue
		}
		res.Total = len(docs)
		last := (len(docs) + limit - 1) / limit
		res.Page = min(res.Page, last)
		from := (res.Page - 1) * limit
		for _, d := range docs[from:min(from+limit, len(docs))] {
			res.Hits = append(res.Hits, Hit{Summary: cat.byTranslation[d.id], Snippet: makeSnippet(d.plain, q)})
		}
		res.Corrected = a.fixed
		return &q, nil
	}
	return nil, nil
}

// published is the best-ranked maxTotal matches of q in lang that the
// catalog shows (published, and published when it was built). The index
// holds drafts too: when they took places in a full answer, it asks again
// for more, so the count stays true.
func (k *KB) published(ctx context.Context, cat *catalog, lang string, q ftsQuery) ([]*doc, error) {
	if _, ok := k.fts.(goRanked); ok { // PostgreSQL: ranked in Go (rank.go)
		docs, err := k.publishedRanked(ctx, cat, lang, q)
		if err != nil {
			return nil, searchError(ctx, err)
		}
		return docs, nil
	}
	// A common word alone is ranked from the catalog's word lists (impact.go).
	least := impactMinMatches
	if k.indexOnly { // benchmarks compare
		least = math.MaxInt
	}
	if docs, ok, err := k.rankInMemory(ctx, cat, lang, q, least, false); err != nil {
		return nil, searchError(ctx, err)
	} else if ok {
		return docs, nil
	}
	return k.publishedIndex(ctx, cat, lang, q)
}

// publishedIndex is published from the index alone.
func (k *KB) publishedIndex(ctx context.Context, cat *catalog, lang string, q ftsQuery) ([]*doc, error) {
	for limit := maxTotal; ; limit *= 4 {
		hits, err := k.fts.search(ctx, lang, q, limit)
		if err != nil {
			return nil, searchError(ctx, err)
		}
		docs := make([]*doc, 0, min(len(hits), maxTotal))
		for _, h := range hits {
			if d, ok := cat.docs[h.translationID]; ok && d.lang == lang && len(docs) < maxTotal {
				docs = append(docs, d)
			}
		}
		if len(hits) < limit || len(docs) == maxTotal {
			return docs, nil
		}
	}
}

// Pages is how many pages of PerPage the matches in the language searched fill.
func (r *Results) Pages() int {
	if r == nil || r.PerPage <= 0 || r.Total == 0 {
		return 1
	}
	return (r.Total + r.PerPage - 1) / r.PerPage
}

// termKnown reports whether the vocabulary knows a query term: every word of
// it (the last may be a prefix, for the word being typed), or every word of
// one of its synonyms. CJK is left to the index.
func termKnown(v *vocabulary, t term, last bool) bool {
	if phraseKnown(v, t.folded, last) {
		return true
	}
	for _, a := range t.alts {
		if phraseKnown(v, a, false) {
			return true
		}
	}
	return false
}

func phraseKnown(v *vocabulary, phrase string, prefix bool) bool {
	parts := strings.Split(phrase, " ")
	for i, w := range parts {
		if !words.IsCJKWord(w) && !v.knows(w, prefix && i == len(parts)-1) {
			return false
		}
	}
	return true
}

func searchError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errs.Wrap(ctx.Err(), "kb: search")
	}
	return errs.Wrap(err, "kb: search")
}

// knownElsewhere reports whether the words may be found in some language
// other than lang: all of them, or, with some, at least one. As in lang, a
// search the vocabularies know to be empty is not sent to the index.
func (c *catalog) knownElsewhere(lang string, terms []term, some bool) bool {
	for i, t := range terms {
		known := false
		for l, v := range c.lib.vocab {
			if known {
				break
			}
			known = l != lang && termKnown(v, t, i == len(terms)-1)
		}
		if known && some {
			return true
		}
		if !known && !some {
			return false
		}
	}
	return !some
}

// pickOther keeps one hit per article, in the ranking's order: the article's
// source language when it matched there, else English, else its best-ranked
// language.
func pickOther(cat *catalog, lang string, hits []ftsHit, q ftsQuery, n int) []Hit {
	var order []*doc
	chosen := map[int64]int{} // article id → index in order
	rank := func(d *doc) int {
		switch d.lang {
		case d.article.sourceLang:
			return 0
		case sourceLanguage:
			return 1
		}
		return 2
	}
	for _, h := range hits {
		d, ok := cat.docs[h.translationID]
		if !ok || cat.lib.byLang[lang][d.article.id] != nil {
			continue // published after the catalog was built, or translated since
		}
		i, seen := chosen[d.article.id]
		switch {
		case !seen:
			chosen[d.article.id] = len(order)
			order = append(order, d)
		case rank(d) < rank(order[i]):
			order[i] = d
		}
	}
	var out []Hit
	for _, d := range order[:min(n, len(order))] {
		out = append(out, Hit{Summary: cat.byTranslation[d.id], Snippet: makeSnippet(d.plain, q)})
	}
	return out
}

// parseQuery splits a query into words. Everything that is not a letter or
// a digit only separates words, so no character is syntax.
func parseQuery(q string) []term {
	var out []term
	words.Each(q, func(w string) {
		// A word of marks and tatweel alone folds to nothing: it is no word
		// to the index either, and an empty word would match everything.
		if f := words.Fold(w); f != "" && len(out) < maxTerms {
			out = append(out, term{word: w, folded: f})
		}
	})
	return out
}

func showTerms(ts []term) string {
	words := make([]string, len(ts))
	for i, t := range ts {
		words[i] = t.word
	}
	return strings.Join(words, " ")
}

func toFTS(ts []term, or bool) ftsQuery {
	q := ftsQuery{or: or, prefix: true}
	for _, t := range ts {
		q.words = append(q.words, t.folded)
		q.alts = append(q.alts, t.alts)
	}
	return q
}

// resultCache keeps the results of recent searches for one catalog (by its
// version): typing repeats the same prefixes, and results only change with
// the catalog. Cached Results are shared between callers, who must not
// modify them.
type resultCache = cache.Versioned[resultKey, *Results]

type resultKey struct {
	lang, query string
	limit, page int
}

// maxCachedResults bounds the cache whatever is searched: past it, it starts over.
const maxCachedResults = 512
