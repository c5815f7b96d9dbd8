package kb

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"zerodesk/internal/words"
)

// Phrases of several words from the word lists (issue 13, "Scale", session
// 21). A synonym such as "user name" or "two step", or a run of typed words
// that is one, is an FTS5 phrase: its tokens adjacent and in order in one
// column (the language column holds one token: never there). Its bm25
// frequency in a document is Σ weight(column) × its instances in that
// column (title 10, body 1), overlapping instances counted, as FTS5 counts
// them. The word lists hold no positions, so a phrase's postings (document,
// weighted phrase frequency) are counted when a search first needs them: in
// the documents holding every word of the phrase (the words' postings
// intersected), their title and body cut into words exactly as countTokens
// (and the index: words.IndexText) cuts them. They are kept with the
// language's word lists, at most maxPhraseLists phrases and
// maxPhrasePostings postings, and follow the lists' patches (patched): a
// publication counts the phrases kept in the documents it adds only.
// TestImpactRanking_SeveralPhrasesSameAsTheIndex and
// TestUntranslatedInMemory_SameAsTheIndex hold the rankings equal to the
// index's; TestPatchedCatalog_SameAsBuiltWhole the patched postings equal to
// postings counted again.

const (
	maxPhraseLists    = 256
	maxPhrasePostings = 1 << 20 // 8 MB
	// maxPhraseTokens bounds the tokens of a phrase the word lists take
	// (the matcher's state is one bit per token).
	maxPhraseTokens = 64
	// maxPhrasePatch is the documents a patch may add or take out and still
	// keep the phrases counted (else they are counted again when searched).
	maxPhrasePatch = 64
)

// phraseLists is one language's word lists' postings of phrases of several
// words, counted when first searched. A list kept is never changed (readers
// may hold it).
type phraseLists struct {
	mu    sync.Mutex
	lists map[memPhrase][]posting
	held  int // postings kept, all lists
}

// severalWords reports whether w (folded words joined by spaces) is a phrase
// the word lists count: several words, none empty, none CJK (a CJK run's
// tokens are its bigrams: left to the index), at most maxPhraseTokens.
func severalWords(w string) bool {
	if !strings.Contains(w, " ") {
		return false
	}
	parts := strings.Split(w, " ")
	if len(parts) > maxPhraseTokens {
		return false
	}
	for _, p := range parts {
		if p == "" || words.IsCJKWord(p) {
			return false
		}
	}
	return true
}

// phraseStar is whether phrase w, typed (prefix), ends with the start of a
// word, as writePhrase decides it: its last word of two characters or more.
func phraseStar(w string, prefix bool) bool {
	last := w[strings.LastIndexByte(w, ' ')+1:]
	return prefix && !words.IsCJKWord(last) && utf8.RuneCountInString(last) >= 2
}

// phraseMatcher counts a phrase's instances in a text.
type phraseMatcher struct {
	tokens []string
	star   bool // the last token is the start of a word
}

func matcherOf(p memPhrase) phraseMatcher {
	return phraseMatcher{tokens: strings.Split(p.word, " "), star: p.prefix}
}

// count is how many times the phrase occurs in the index tokens of texts
// read one after the other (as one text: body and keywords are one column),
// overlapping instances included: cut as words.IndexText cuts them (a word
// folding to nothing is no token; a CJK run is tokens no phrase word
// matches). The state has bit j set when the last j+1 tokens are the
// phrase's first j+1.
func (m phraseMatcher) count(texts ...string) int32 {
	n := len(m.tokens)
	full := uint64(1) << (n - 1)
	var state uint64
	var c int32
	word := func(w string) {
		if words.IsCJKWord(w) {
			state = 0
			return
		}
		f := words.Fold(w)
		if f == "" {
			return
		}
		var match uint64
		for j, t := range m.tokens {
			if f == t || m.star && j == n-1 && strings.HasPrefix(f, t) {
				match |= 1 << j
			}
		}
		state = (state<<1 | 1) & match
		if state&full != 0 {
			c++
		}
	}
	for _, s := range texts {
		words.Each(s, word)
	}
	return c
}

// freq is the phrase's bm25 frequency in d: title instances × 10 plus body
// instances (the body column is withKeywords(plain, keywords): the words of
// both, in turn), as countDoc weighs words.
func (m phraseMatcher) freq(d *doc) int32 {
	return 10*m.count(d.title) + m.count(d.plain, d.keywords)
}

// wordsIn reports whether a document whose words are counts (countDoc)
// holds every word of the phrase (the last, when a start, a word it starts).
func (m phraseMatcher) wordsIn(counts map[string]int32) bool {
	for i, t := range m.tokens {
		if !m.star || i < len(m.tokens)-1 {
			if counts[t] == 0 {
				return false
			}
			continue
		}
		found := false
		for w := range counts {
			if strings.HasPrefix(w, t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// phrasePostings is p's postings in ix (p.word several words, p.prefix its
// last word a start): counted the first time, then kept.
func (ix *impactIndex) phrasePostings(vocab *vocabulary, p memPhrase) []posting {
	pl := ix.phrases
	pl.mu.Lock()
	list, ok := pl.lists[p]
	pl.mu.Unlock()
	if ok {
		return list
	}
	list, _ = ix.countPhrase(vocab, p)
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if _, ok := pl.lists[p]; !ok {
		if pl.lists == nil || len(pl.lists) >= maxPhraseLists || pl.held+len(list) > maxPhrasePostings {
			pl.lists, pl.held = map[memPhrase][]posting{}, 0 // start over
		}
		pl.lists[p] = list
		pl.held += len(list)
	}
	return list
}

// countPhrase counts p in the documents of ix holding each of its words
// (the last, when a start, any word of vocab it starts): its postings, in
// docs order, and the documents read.
func (ix *impactIndex) countPhrase(vocab *vocabulary, p memPhrase) ([]posting, int) {
	m := matcherOf(p)
	// One group of lists per distinct word, the rarest first.
	type group struct {
		lists [][]posting
		n     int
	}
	var groups []group
	for i, t := range m.tokens {
		var g group
		if m.star && i == len(m.tokens)-1 {
			lo, hi, _ := vocab.span(memPhrase{t, true})
			for _, w := range vocab.sorted[lo:hi] {
				g.lists = append(g.lists, ix.postings[w])
			}
		} else if slices.Index(m.tokens, t) == i { // a word repeated is one group
			g.lists = [][]posting{ix.postings[t]}
		}
		for _, l := range g.lists {
			g.n += len(l)
		}
		if len(g.lists) > 0 {
			groups = append(groups, g)
		}
	}
	slices.SortStableFunc(groups, func(a, b group) int { return a.n - b.n })
	if len(groups) == 0 || groups[0].n == 0 {
		return nil, 0
	}
	// seen[doc] is how many groups, in order, hold the document.
	seen := make([]uint8, len(ix.docs))
	for g, grp := range groups {
		for _, l := range grp.lists {
			for _, post := range l {
				if seen[post.doc] == uint8(g) {
					seen[post.doc] = uint8(g + 1)
				}
			}
		}
	}
	var candidates []int32
	for _, l := range groups[0].lists {
		for _, post := range l {
			if seen[post.doc] == uint8(len(groups)) {
				seen[post.doc] = 0 // once
				candidates = append(candidates, post.doc)
			}
		}
	}
	slices.Sort(candidates)
	var out []posting
	for _, n := range candidates {
		if d := ix.docs[n]; d != nil {
			if f := m.freq(d); f > 0 {
				out = append(out, posting{doc: n, freq: f})
			}
		}
	}
	return out, len(candidates)
}

// patched is pl for the lists of a patch that took the documents at
// removed out and added those at added (indexes in docs): the phrases kept,
// without the removed and counted in the added. Empty when the patch
// changes too many documents: the phrases are counted again when searched.
func (pl *phraseLists) patched(docs []*doc, removed map[int32]bool, added []int32) *phraseLists {
	out := &phraseLists{}
	if len(removed)+len(added) > maxPhrasePatch {
		return out
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if len(pl.lists) == 0 {
		return out
	}
	// The added documents' words: a phrase is read only in those holding
	// every word of it.
	held := make([]map[string]int32, len(added))
	for i, n := range added {
		held[i] = map[string]int32{}
		countDoc(docs[n], held[i])
	}
	out.lists = make(map[memPhrase][]posting, len(pl.lists))
	for p, list := range pl.lists {
		if len(removed) > 0 {
			list = slices.DeleteFunc(slices.Clone(list), func(post posting) bool { return removed[post.doc] })
		}
		list = slices.Clip(list) // appending copies: the old list stays as it is
		m := matcherOf(p)
		for i, n := range added {
			if !m.wordsIn(held[i]) {
				continue
			}
			if f := m.freq(docs[n]); f > 0 {
				list = append(list, posting{doc: n, freq: f})
			}
		}
		out.lists[p] = list
		out.held += len(list)
	}
	return out
}

// synonymPhrases is every synonym member of every language that is a phrase
// of several words the word lists count: what a search sends them (a
// language's own synonyms; in the other-language fill, the language
// searched's), whole. A run of typed words equal to one, last, is the same
// phrase with its last word a start (not counted ahead).
var synonymPhrases = func() []string {
	var out []string
	for _, m := range synonymIndex {
		for member := range m {
			if severalWords(member) && !slices.Contains(out, member) {
				out = append(out, member)
			}
		}
	}
	slices.Sort(out)
	return out
}()

// warmPhrases counts the synonyms' phrases in ix, before searches need them
// (impactIndexes.build, in the background): a search would otherwise pay for
// them the first time (at 50,000 articles, about 2 ms a phrase, 6 for "2fa").
func (ix *impactIndex) warmPhrases(vocab *vocabulary) {
	if vocab == nil {
		return
	}
	for _, p := range synonymPhrases {
		ix.phrasePostings(vocab, memPhrase{p, false})
	}
}

// phraseDF is how many documents may hold p (at most): for one word, the
// documents holding the words it stands for (span); for several, those
// holding its rarest word.
func (v *vocabulary) phraseDF(p memPhrase) int {
	if !strings.Contains(p.word, " ") {
		_, _, df := v.span(p)
		return df
	}
	m := matcherOf(p)
	least := -1
	for i, t := range m.tokens {
		_, _, df := v.span(memPhrase{t, m.star && i == len(m.tokens)-1})
		if least < 0 || df < least {
			least = df
		}
	}
	return least
}
