package kb

import (
	"context"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"zerodesk/internal/words"
)

// Search for a common word without the index (issue 13, "Scale"). FTS5 scores
// every match with bm25 before it can sort and cut: a word in most of 5,000
// articles costs tens of milliseconds however few results are shown. A
// single word, whole or the start of a word (what a visitor typing a common
// word sends), is ranked here instead, from per-language word lists built
// from the catalog's own texts, with FTS5's bm25 as search's SQL computes it:
// the same weights (title 10, body 1, language 0), the same document lengths
// and the index's own average length. For one phrase, bm25 is idf × f(freq,
// length), idf the same for every match: the order is f's, ties by rowid, as
// in sqlFTSSearch. Queries of several words, and words with synonyms found
// in lang (phrases of several words among them), are ranked here too
// (rankPhrases, below; impact_phrases.go). CJK and words the language's own
// index token starts with stay with FTS5, and so do words found in fewer than
// impactMinMatches documents (the index is quick there).
// TestImpactRanking_SameAsTheIndex holds the two orders equal.

// impactMinMatches is the number of documents (the vocabulary's document
// frequencies of the words a query word stands for, added up) from which a
// single-word search is ranked in memory.
const impactMinMatches = 100

// impactIndexes holds a library's word lists per language, built in the
// background when the library is installed (reload, startAll), or when a
// search first needs them: the searches meanwhile go to the index, so none
// waits for a build.
type impactIndexes struct {
	mu       sync.Mutex
	byLang   map[string]*impactIndex
	building map[string]bool
}

// impactIndex is one language's documents and, per folded word, where it
// occurs.
type impactIndex struct {
	docs     []*doc               // nil where a document was taken out (patched)
	free     int                  // how many are nil
	length   []int32              // tokens in the document's index row: title, body and keywords, language
	postings map[string][]posting // folded word → the documents holding it, in docs order
	phrases  *phraseLists         // phrases of several words searched (impact_phrases.go)
}

// posting is a word in one document: freq is its title occurrences × 10
// plus its body occurrences, bm25's weighted frequency.
type posting struct {
	doc  int32
	freq int32
}

// get returns lang's word lists; nil while they are being built, unless
// wait (then it builds them itself, if need be a second time).
func (ix *impactIndexes) get(lib *library, lang string, wait bool) *impactIndex {
	w, start := ix.claim(lang)
	switch {
	case w != nil:
		return w
	case wait:
		return ix.build(lib, lang)
	case start:
		go ix.build(lib, lang)
	}
	return nil
}

// startAll builds the word lists of every language of lib, one after the
// other, in the background.
func (ix *impactIndexes) startAll(lib *library) {
	go func() {
		for _, lang := range lib.langs {
			if w, start := ix.claim(lang); w == nil && start {
				ix.build(lib, lang)
			}
		}
	}()
}

// claim returns lang's word lists when built, else whether the caller is
// the first to ask (and so builds them).
func (ix *impactIndexes) claim(lang string) (*impactIndex, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if w := ix.byLang[lang]; w != nil {
		return w, false
	}
	if ix.building == nil {
		ix.byLang, ix.building = map[string]*impactIndex{}, map[string]bool{}
	}
	start := !ix.building[lang]
	ix.building[lang] = true
	return nil, start
}

func (ix *impactIndexes) build(lib *library, lang string) *impactIndex {
	w := buildImpactIndex(lib, lang)
	w.warmPhrases(lib.vocab[lang])
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.byLang[lang] == nil {
		ix.byLang[lang] = w
	}
	return ix.byLang[lang]
}

func buildImpactIndex(lib *library, lang string) *impactIndex {
	w := &impactIndex{postings: map[string][]posting{}, phrases: &phraseLists{}}
	for _, d := range lib.docs {
		if d.lang == lang {
			w.docs = append(w.docs, d)
		}
	}
	counts := map[string]int32{}
	for i, d := range w.docs {
		clear(counts)
		w.length = append(w.length, countDoc(d, counts))
		for f, c := range counts {
			w.postings[f] = append(w.postings[f], posting{doc: int32(i), freq: c})
		}
	}
	return w
}

// countDoc adds d's weighted word frequencies to counts and returns the
// number of tokens of its index row.
func countDoc(d *doc, counts map[string]int32) int32 {
	n := countTokens(d.title, 10, counts) + countTokens(withKeywords(d.plain, d.keywords), 1, counts)
	return int32(n + 1) // + the language token
}

// patchFrom gives ix the word lists of old's languages that old has built,
// with the removed docs taken out and the added ones in (issue 13, "Scale":
// a publication recounts the words of the changed documents only, where
// building a language's lists reads every document again). A language whose
// lists hold too many documents taken out is left to be built again.
func (ix *impactIndexes) patchFrom(old *impactIndexes, langs []string, removed, added []*doc) {
	old.mu.Lock()
	built := maps.Clone(old.byLang)
	old.mu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, lang := range langs {
		if w := built[lang]; w != nil {
			if p := w.patched(lang, removed, added); p != nil {
				if ix.byLang == nil {
					ix.byLang, ix.building = map[string]*impactIndex{}, map[string]bool{}
				}
				ix.byLang[lang] = p
			}
		}
	}
}

// patched is ix without the removed docs of lang and with its added ones,
// with the phrases it kept (phraseLists.patched); ix is not changed (readers
// may hold it). Nil when a quarter of the documents would be gaps: then the
// lists are built again.
func (ix *impactIndex) patched(lang string, removed, added []*doc) *impactIndex {
	w := &impactIndex{docs: ix.docs, length: ix.length, postings: ix.postings, free: ix.free}
	gone := map[int32]bool{} // indexes in docs
	var came []int32
	counts := map[string]int32{}
	owned := map[string]bool{}
	own := func(f string) []posting {
		if !owned[f] {
			owned[f] = true
			w.postings[f] = slices.Clone(w.postings[f])
		}
		return w.postings[f]
	}
	changed := false
	begin := func() {
		if !changed {
			changed = true
			w.docs, w.length, w.postings = slices.Clone(ix.docs), slices.Clone(ix.length), maps.Clone(ix.postings)
		}
	}
	for _, d := range removed {
		if d.lang != lang {
			continue
		}
		i := slices.Index(w.docs, d)
		if i < 0 {
			continue
		}
		begin()
		clear(counts)
		countDoc(d, counts)
		for f := range counts {
			list := slices.DeleteFunc(own(f), func(p posting) bool { return p.doc == int32(i) })
			if len(list) == 0 {
				delete(w.postings, f)
			} else {
				w.postings[f] = list
			}
		}
		w.docs[i], w.length[i] = nil, 0
		w.free++
		gone[int32(i)] = true
	}
	for _, d := range added {
		if d.lang != lang {
			continue
		}
		begin()
		clear(counts)
		i := int32(len(w.docs))
		w.docs, w.length = append(w.docs, d), append(w.length, countDoc(d, counts))
		for f, c := range counts {
			w.postings[f] = append(own(f), posting{doc: i, freq: c})
		}
		came = append(came, i)
	}
	if w.free*4 > len(w.docs) {
		return nil
	}
	w.phrases = ix.phrases.patched(w.docs, gone, came)
	return w
}

// countTokens adds weight per occurrence of each non-CJK word of s, folded,
// to counts, and returns the number of tokens words.IndexText makes of s
// (a CJK run of n characters is n tokens).
func countTokens(s string, weight int32, counts map[string]int32) int {
	n := 0
	words.Each(s, func(w string) {
		if words.IsCJKWord(w) {
			n += utf8.RuneCountInString(w)
			return
		}
		if f := words.Fold(w); f != "" {
			n++
			counts[f] += weight
		}
	})
	return n
}

// impactQuery reports whether q is for the word lists: one word, not CJK,
// not the start of lang's index token, with no synonym that a published
// document of lang holds (one none holds adds idf × 0 to every score here:
// nothing). It returns the word and whether it is a prefix, as ftsMatch
// writes it.
func impactQuery(lang string, vocab *vocabulary, q ftsQuery) (word string, prefix, ok bool) {
	if len(q.words) != 1 || vocab == nil {
		return "", false, false
	}
	if len(q.alts) > 0 {
		for _, a := range q.alts[0] {
			if a != "" && !absent(vocab, a) {
				return "", false, false
			}
		}
	}
	w := q.words[0]
	if w == "" || strings.Contains(w, " ") || words.IsCJKWord(w) {
		return "", false, false
	}
	prefix = q.prefix && utf8.RuneCountInString(w) >= 2
	if tok := langToken(lang); tok == w || prefix && strings.HasPrefix(tok, w) {
		return "", false, false // every row of lang matches on its language token
	}
	return w, prefix, true
}

// absent reports whether no published document of the vocabulary's language
// holds phrase (folded words joined by spaces, matched whole): one of its
// words is in none. CJK is not in the vocabulary: never absent.
func absent(vocab *vocabulary, phrase string) bool {
	for _, w := range strings.Split(phrase, " ") {
		if words.IsCJKWord(w) {
			return false
		}
	}
	for _, w := range strings.Split(phrase, " ") {
		if vocab.df[w] == 0 {
			return true
		}
	}
	return false
}

// rankInMemory is published's answer from the word lists, or ok false when
// q is left to the index (also when its words are in fewer than minMatches
// documents, and while lang's word lists are being built, unless wait).
func (k *KB) rankInMemory(ctx context.Context, cat *catalog, lang string, q ftsQuery, minMatches int, wait bool) (docs []*doc, ok bool, err error) {
	vocab := cat.lib.vocab[lang]
	word, prefix, ok := impactQuery(lang, vocab, q)
	if !ok {
		if groups, ok := planQuery(lang, vocab, q); ok {
			return k.rankPhrases(ctx, cat, lang, groups, q.or, minMatches, wait)
		}
		return nil, false, nil
	}
	// The vocabulary's words the query word stands for, and how many
	// documents hold them (at most: one may hold several).
	lo := sort.SearchStrings(vocab.sorted, word)
	hi, df := lo, 0
	for hi < len(vocab.sorted) && (vocab.sorted[hi] == word || prefix && strings.HasPrefix(vocab.sorted[hi], word)) {
		df += vocab.df[vocab.sorted[hi]]
		hi++
	}
	if df < minMatches {
		return nil, false, nil
	}
	ix := cat.lib.impacts.get(cat.lib, lang, wait)
	if ix == nil {
		return nil, false, nil // being built
	}
	rows, tokens, err := k.averages(ctx, cat)
	if err != nil || rows == 0 {
		return nil, false, err
	}
	avgdl := float64(tokens) / float64(rows)

	freq := make([]int32, len(ix.docs))
	var touched []int32
	for _, w := range vocab.sorted[lo:hi] {
		for _, p := range ix.postings[w] {
			if freq[p.doc] == 0 {
				touched = append(touched, p.doc)
			}
			freq[p.doc] += p.freq
		}
	}
	top := newTopScored(maxTotal, len(touched))
	for _, n := range touched {
		top.add(scored{bm25Part(float64(freq[n]), float64(ix.length[n]), avgdl), ix.docs[n]})
	}
	return top.docs(), true, nil
}

// scored is a matching document and its bm25 score (without the sign
// SQLite's bm25 gives it: higher is better).
type scored struct {
	score float64
	d     *doc
}

// better is the index's order: the higher score first, ties by rowid (the
// translation id), as sqlFTSSearch orders. A total order: ids are unique.
func better(x, y scored) bool {
	return x.score > y.score || x.score == y.score && x.d.id < y.d.id
}

// topScored keeps the n best documents of those added: at the end, what
// sorting them all and keeping the first n gives, without sorting them all
// nor holding them (issue 13, "Scale": a word in nearly every one of 50,000
// documents matched them all, and sorting every match cost more than
// scoring it). A heap of the n best so far, its worst at the root: a match
// is compared with the root once, and sifted in only when better.
type topScored struct {
	n int
	h []scored
}

func newTopScored(n, hint int) *topScored {
	n = max(0, n)
	return &topScored{n: n, h: make([]scored, 0, min(n, hint))}
}

func (t *topScored) add(s scored) {
	switch {
	case len(t.h) < t.n:
		t.h = append(t.h, s)
		if len(t.h) == t.n {
			for i := t.n/2 - 1; i >= 0; i-- {
				siftWorst(t.h, i)
			}
		}
	case t.n > 0 && better(s, t.h[0]):
		t.h[0] = s
		siftWorst(t.h, 0)
	}
}

// docs returns the documents kept, best first.
func (t *topScored) docs() []*doc {
	slices.SortFunc(t.h, func(x, y scored) int {
		if better(x, y) {
			return -1
		}
		return 1 // never equal: ids are unique
	})
	docs := make([]*doc, len(t.h))
	for i, s := range t.h {
		docs[i] = s.d
	}
	return docs
}

// siftWorst moves h[i] down the heap whose root is its worst element.
func siftWorst(h []scored, i int) {
	for {
		w, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && better(h[w], h[l]) {
			w = l
		}
		if r < len(h) && better(h[w], h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}

// bm25Part is FTS5's bm25 of one phrase without its idf, operation for
// operation as fts5Bm25Function computes it (so the same doubles):
// (f × (k1 + 1)) / (f + k1 × (1 − b + b × D / avgdl)).
func bm25Part(f, d, avgdl float64) float64 {
	// Variables, not constants: Go folds constant expressions exactly, C
	// rounds each operation (1.2 + 1.0 is not the double nearest 2.2).
	k1, b := 1.2, 0.75
	num := float64(f * float64(k1+1.0))
	norm := float64(float64(1-b) + float64(float64(b*d)/avgdl))
	return num / float64(f+float64(k1*norm))
}

// bm25IDF is FTS5's idf of a phrase that n of the index's rows hold, as
// fts5Bm25GetData computes it: ln((N − n + 0.5) / (n + 0.5)), at least 1e-6.
func bm25IDF(rows, n int64) float64 {
	idf := math.Log(float64(float64(rows-n)+0.5) / float64(float64(n)+0.5))
	if idf <= 0 {
		idf = 1e-6
	}
	return idf
}

// Several phrases (session 19): a word with synonyms that published
// documents of the language hold, or several words, all required or (q.or)
// any. FTS5's bm25 is then Σ idf(phrase) × f(freq, D) over the query's
// phrases in the order the MATCH names them (the language token first, whose
// column weighs 0: it adds nothing), idf = ln((N − n + 0.5) / (n + 0.5)), at
// least 1e-6, where N is the index's rows and n the rows holding the phrase,
// every language and drafts included: n is the index's to say
// (phraseCounter: one count per phrase, no bm25). A phrase of several words
// (session 21) has no postings in the word lists, which hold no positions:
// they are counted when first searched, then kept (impact_phrases.go). CJK
// stays with FTS5.

// memPhrase is one phrase of a query the word lists rank: a folded word,
// whole or (prefix) the start of words; or folded words joined by spaces,
// the last whole or (prefix) the start of a word.
type memPhrase struct {
	word   string
	prefix bool
}

// phraseCounter is a fullText that counts the rows holding a phrase, every
// language and drafts included (bm25's n). Without it, queries of several
// phrases stay with the index.
type phraseCounter interface {
	phraseRows(ctx context.Context, phrase string, prefix bool) (int64, error)
}

// planQuery returns q's phrases per query word (the word, then those of its
// synonyms that a published document of lang holds) when the word lists can
// rank q as the index does: every phrase one word, not CJK, not lang's index
// token (nor, for the word being typed, the start of it), or several words,
// none CJK (severalWords: counted from the documents' words; a phrase of
// several words never matches in the language column, one token long).
func planQuery(lang string, vocab *vocabulary, q ftsQuery) ([][]memPhrase, bool) {
	if vocab == nil {
		return nil, false
	}
	tok := langToken(lang)
	listed := func(w string, prefix bool) bool {
		if strings.Contains(w, " ") {
			return severalWords(w)
		}
		return !words.IsCJKWord(w) && w != tok && !(prefix && strings.HasPrefix(tok, w))
	}
	var groups [][]memPhrase
	for i, w := range q.words {
		if w == "" {
			continue // ftsMatch leaves it out, synonyms and all
		}
		prefix := phraseStar(w, q.prefix && i == len(q.words)-1)
		if !listed(w, prefix) {
			return nil, false
		}
		g := []memPhrase{{w, prefix}}
		if i < len(q.alts) {
			for _, a := range q.alts[i] {
				if a == "" || absent(vocab, a) {
					continue // idf × 0 in every published document of lang
				}
				if !listed(a, false) {
					return nil, false
				}
				g = append(g, memPhrase{a, false})
			}
		}
		groups = append(groups, g)
	}
	return groups, len(groups) > 0 && len(groups) <= 32
}

// span is where the vocabulary's words a phrase stands for are in
// vocab.sorted, and how many documents hold them (at most).
func (v *vocabulary) span(p memPhrase) (lo, hi, df int) {
	lo = sort.SearchStrings(v.sorted, p.word)
	hi = lo
	for hi < len(v.sorted) && (v.sorted[hi] == p.word || p.prefix && strings.HasPrefix(v.sorted[hi], p.word)) {
		df += v.df[v.sorted[hi]]
		hi++
	}
	return lo, hi, df
}

// rankPhrases is rankInMemory for the phrases of planQuery: every group
// (query word) required, or any with or. Left to the index (ok false) when
// the documents a search must score are fewer than minMatches: for all
// groups required, those of the rarest group.
func (k *KB) rankPhrases(ctx context.Context, cat *catalog, lang string, groups [][]memPhrase, or bool, minMatches int, wait bool) ([]*doc, bool, error) {
	vocab := cat.lib.vocab[lang]
	counter, ok := k.fts.(phraseCounter)
	if !ok {
		return nil, false, nil
	}
	type phrase struct {
		key     memPhrase
		lo, hi  int  // one word: the vocabulary's words it stands for
		several bool // several words: their postings counted (phrasePostings)
		group   int
		idf     float64
	}
	var phrases []phrase
	least, sum := -1, 0
	for g, ps := range groups {
		gdf := 0
		for _, p := range ps {
			ph := phrase{key: p, group: g, several: strings.Contains(p.word, " ")}
			if !ph.several {
				ph.lo, ph.hi, _ = vocab.span(p)
			}
			phrases = append(phrases, ph)
			gdf += vocab.phraseDF(p)
		}
		sum += gdf
		if least < 0 || gdf < least {
			least = gdf
		}
	}
	if or && sum < minMatches || !or && least < minMatches {
		return nil, false, nil
	}
	ix := cat.lib.impacts.get(cat.lib, lang, wait)
	if ix == nil {
		return nil, false, nil // being built
	}
	idfs, avgdl, err := k.weighPhrases(ctx, cat, counter, groups)
	if err != nil || avgdl == 0 {
		return nil, false, err
	}
	for i := range phrases {
		phrases[i].idf = idfs[i]
	}

	np := len(phrases)
	freq := make([]int32, len(ix.docs)*np)
	mask := make([]uint32, len(ix.docs))
	var touched []int32
	for i, p := range phrases {
		add := func(list []posting) {
			for _, post := range list {
				if mask[post.doc] == 0 {
					touched = append(touched, post.doc)
				}
				mask[post.doc] |= 1 << p.group
				freq[int(post.doc)*np+i] += post.freq
			}
		}
		if p.several {
			add(ix.phrasePostings(vocab, p.key))
			continue
		}
		for _, w := range vocab.sorted[p.lo:p.hi] {
			add(ix.postings[w])
		}
	}
	want := uint32(1)<<len(groups) - 1
	top := newTopScored(maxTotal, len(touched))
	for _, n := range touched {
		if !or && mask[n] != want {
			continue
		}
		s := 0.0
		for i, p := range phrases {
			if f := freq[int(n)*np+i]; f > 0 {
				s = s + float64(p.idf*bm25Part(float64(f), float64(ix.length[n]), avgdl))
			}
		}
		top.add(scored{s, ix.docs[n]})
	}
	return top.docs(), true, nil
}

// phraseRows keeps, per catalog, how many index rows hold each phrase
// searched (bm25's n): the index changes only when articles are published,
// and then the catalog is replaced (as the result cache, which is kept per
// catalog version). At most maxPhraseRows phrases are kept.
type phraseRows struct {
	mu sync.Mutex
	n  map[memPhrase]int64
}

const maxPhraseRows = 4096

// weighPhrases is the idf of each phrase of groups, in order, from the
// index's statistics (which cover every language), and the average document
// length bm25 divides by: 0 with an empty index.
func (k *KB) weighPhrases(ctx context.Context, cat *catalog, counter phraseCounter, groups [][]memPhrase) (idfs []float64, avgdl float64, err error) {
	rows, tokens, err := k.averages(ctx, cat)
	if err != nil || rows == 0 {
		return nil, 0, err
	}
	for _, ps := range groups {
		for _, p := range ps {
			n, err := cat.phrases.rows(ctx, counter, p)
			if err != nil {
				return nil, 0, err
			}
			idfs = append(idfs, bm25IDF(rows, n))
		}
	}
	return idfs, float64(tokens) / float64(rows), nil
}

func (pr *phraseRows) rows(ctx context.Context, counter phraseCounter, p memPhrase) (int64, error) {
	pr.mu.Lock()
	n, ok := pr.n[p]
	pr.mu.Unlock()
	if ok {
		return n, nil
	}
	n, err := counter.phraseRows(ctx, p.word, p.prefix)
	if err != nil {
		return 0, err
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.n == nil || len(pr.n) >= maxPhraseRows {
		pr.n = map[memPhrase]int64{}
	}
	pr.n[p] = n
	return n, nil
}
