package kb

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"zerodesk/internal/words"
)

// Ranking in Go for an index that does not rank as FTS5 does (issue 15:
// PostgreSQL, whose ts_rank_cd orders close scores otherwise). Such an index
// (goRanked) only says which translations match; search ranks them here
// with FTS5's bm25, the one ranking of both engines: a query of common words
// the word lists take (impact.go: words, prefixes, synonyms, several words,
// phrases of several words, all or any; as on SQLite) from the word lists;
// any other (rarer words, CJK runs and characters, and every query while the
// word lists are being built) from the index's matches and their own words
// (rankDocs).
// Both compute bm25 as fts5Bm25Function does: the same weights (title 10,
// body 1, language 0), phrases in the MATCH's order, idf from the index's
// rows holding each phrase (every language, drafts too) clamped to 1e-6,
// document lengths counted as FTS5 counts its tokens, and the index's own
// average length (goRanking); ties by translation id.
// TestSearchOrder_PostgresRanksAsSQLite holds the two engines' orders equal.

// goRanked is a fullText whose search and searchUntranslated return every
// match (by id, whatever the limit): search ranks them in Go. Its averages
// scan the index (the rows' versions, the text of those written since), so
// search keeps them per catalog (goRanking).
type goRanked interface {
	fullText
	phraseCounter
	goRanked()
}

// goRanking is what search keeps per catalog for a goRanked index: the
// index changes only when articles are published, and then the catalog is
// replaced (as phraseRows and the result cache are kept per catalog).
type goRanking struct {
	mu sync.Mutex
	// The averages bm25 reads (fullText.averages): on PostgreSQL they scan
	// the index, where FTS5 reads one record each time.
	done         bool
	rows, tokens int64
	// The index words of documents rankDocs scored (folding a document's
	// text costs more than scoring it), at most maxRankedDocs.
	words map[*doc]docWords
}

// docWords is a document's index row: its title's and body's tokens.
type docWords struct {
	title, body []string
}

const maxRankedDocs = 4096

func (g *goRanking) wordsOf(d *doc) docWords {
	g.mu.Lock()
	w, ok := g.words[d]
	g.mu.Unlock()
	if ok {
		return w
	}
	w = docWords{
		title: strings.Fields(words.IndexText(d.title)),
		body:  strings.Fields(words.IndexText(withKeywords(d.plain, d.keywords))),
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.words == nil || len(g.words) >= maxRankedDocs {
		g.words = map[*doc]docWords{}
	}
	g.words[d] = w
	return w
}

// averages is the index's rows and tokens for cat's searches.
func (k *KB) averages(ctx context.Context, cat *catalog) (rows, tokens int64, err error) {
	if _, ok := k.fts.(goRanked); !ok {
		return k.fts.averages(ctx)
	}
	g := &cat.ranking
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.done {
		if g.rows, g.tokens, err = k.fts.averages(ctx); err != nil {
			return 0, 0, err
		}
		g.done = true
	}
	return g.rows, g.tokens, nil
}

// publishedRanked is published for a goRanked index: the word lists when
// they take q on SQLite too (a common word, impactMinMatches, and the lists
// are built), else the index's matches that the catalog shows, ranked by
// rankDocs. So on both engines the index says what a query matches, except
// for the common words the word lists answer on both.
func (k *KB) publishedRanked(ctx context.Context, cat *catalog, lang string, q ftsQuery) ([]*doc, error) {
	if !k.indexOnly {
		if docs, ok, err := k.rankInMemory(ctx, cat, lang, q, impactMinMatches, false); err != nil || ok {
			return docs, err
		}
	}
	hits, err := k.fts.search(ctx, lang, q, maxTotal)
	if err != nil {
		return nil, err
	}
	var docs []*doc
	for _, h := range hits {
		if d, ok := cat.docs[h.translationID]; ok && d.lang == lang {
			docs = append(docs, d)
		}
	}
	docs, err = k.rankDocs(ctx, cat, q, docs)
	return docs[:min(len(docs), maxTotal)], err
}

// untranslated is the best-ranked limit published translations in other
// languages of the articles with no published translation in lang. A
// goRanked index's matches are ranked by rankDocs; those the catalog does
// not hold yet (published since it was built) are left out, as pickOther
// would leave them. A query the other languages' word lists can rank is
// ranked from them, on both engines (impact_other.go).
func (k *KB) untranslated(ctx context.Context, cat *catalog, lang string, q ftsQuery, limit int) ([]ftsHit, error) {
	if !k.indexOnly {
		if hits, ok, err := k.untranslatedInMemory(ctx, cat, lang, q, limit, impactMinMatches, false); err != nil || ok {
			return hits, err
		}
	}
	return k.untranslatedIndex(ctx, cat, lang, q, limit)
}

// untranslatedIndex is untranslated from the index.
func (k *KB) untranslatedIndex(ctx context.Context, cat *catalog, lang string, q ftsQuery, limit int) ([]ftsHit, error) {
	if _, ok := k.fts.(goRanked); !ok {
		return k.fts.searchUntranslated(ctx, lang, q, limit)
	}
	hits, err := k.fts.searchUntranslated(ctx, lang, q, limit)
	if err != nil {
		return nil, err
	}
	var docs []*doc
	for _, h := range hits {
		if d, ok := cat.docs[h.translationID]; ok {
			docs = append(docs, d)
		}
	}
	if docs, err = k.rankDocs(ctx, cat, q, docs); err != nil {
		return nil, err
	}
	out := make([]ftsHit, 0, min(len(docs), limit))
	for _, d := range docs[:min(len(docs), limit)] {
		out = append(out, ftsHit{translationID: d.id})
	}
	return out, nil
}

// indexPhrase is one phrase of a MATCH as ftsMatch writes it: its index
// tokens in order, the last the start of a token when star; key is how
// phraseRows counts it.
type indexPhrase struct {
	key    memPhrase
	tokens []string
	star   bool
}

// queryPhrases is q's phrases in the order ftsMatch names them (each word,
// then its synonyms), as writePhrase makes them.
func queryPhrases(q ftsQuery) []indexPhrase {
	var out []indexPhrase
	add := func(w string, prefix bool) {
		p := indexPhrase{key: memPhrase{w, prefix}}
		if words.IsCJKWord(w) && !strings.Contains(w, " ") {
			p.tokens = strings.Fields(words.CJKPhrase(w))
			p.star = utf8.RuneCountInString(w) == 1
		} else {
			for _, part := range strings.Split(w, " ") {
				if words.IsCJKWord(part) {
					p.tokens = append(p.tokens, strings.Fields(words.CJKPhrase(part))...)
				} else if part != "" {
					p.tokens = append(p.tokens, part)
				}
			}
			last := w[strings.LastIndexByte(w, ' ')+1:]
			p.star = prefix && !words.IsCJKWord(last) && utf8.RuneCountInString(last) >= 2
		}
		out = append(out, p)
	}
	for i, w := range q.words {
		if w == "" {
			continue
		}
		add(w, q.prefix && i == len(q.words)-1)
		if i < len(q.alts) {
			for _, a := range q.alts[i] {
				if a != "" {
					add(a, false)
				}
			}
		}
	}
	return out
}

// occurrences is how many times p occurs in tokens (overlapping ones
// counted, as FTS5 counts a phrase's instances).
func (p indexPhrase) occurrences(tokens []string) int {
	n := len(p.tokens)
	if n == 0 {
		return 0
	}
	count := 0
next:
	for i := 0; i+n <= len(tokens); i++ {
		for j, t := range p.tokens {
			if j == n-1 && p.star {
				if !strings.HasPrefix(tokens[i+j], t) {
					continue next
				}
			} else if tokens[i+j] != t {
				continue next
			}
		}
		count++
	}
	return count
}

// rankDocs orders docs (matches of q) by FTS5's bm25 of q, computed from
// each document's words as the index holds them, ties by translation id.
func (k *KB) rankDocs(ctx context.Context, cat *catalog, q ftsQuery, docs []*doc) ([]*doc, error) {
	if len(docs) == 0 {
		return docs, nil
	}
	counter, ok := k.fts.(phraseCounter)
	if !ok {
		return docs, nil
	}
	rows, tokens, err := k.averages(ctx, cat)
	if err != nil || rows == 0 {
		return docs, err
	}
	avgdl := float64(tokens) / float64(rows)
	phrases := queryPhrases(q)
	idf := make([]float64, len(phrases))
	for i, p := range phrases {
		n, err := cat.phrases.rows(ctx, counter, p.key)
		if err != nil {
			return nil, err
		}
		idf[i] = bm25IDF(rows, n)
	}
	type scored struct {
		score float64
		d     *doc
	}
	all := make([]scored, len(docs))
	for i, d := range docs {
		w := cat.ranking.wordsOf(d)
		length := float64(len(w.title) + len(w.body) + 1) // + the language token
		s := 0.0
		for j, p := range phrases {
			if f := 10*p.occurrences(w.title) + p.occurrences(w.body); f > 0 {
				s = s + float64(idf[j]*bm25Part(float64(f), length, avgdl))
			}
		}
		all[i] = scored{s, d}
	}
	slices.SortFunc(all, func(x, y scored) int {
		return cmp.Or(cmp.Compare(y.score, x.score), cmp.Compare(x.d.id, y.d.id))
	})
	out := make([]*doc, len(all))
	for i, s := range all {
		out[i] = s.d
	}
	return out, nil
}
