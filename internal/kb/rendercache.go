package kb

import (
	"crypto/sha256"
	"slices"
	"strings"
	"sync"

	"zerodesk/internal/words"
)

// renderCache keeps what the last catalog build rendered, so the next build
// (after one article is published) renders again only what changed (issue
// 13, "Scale": rendering every translation, and every fallback shown in
// another language, took seconds at 5,000 articles × 3 languages). An entry
// is reused only for the same text on a page in the same language whose
// article: links all still lead where they did: a slug change re-renders the
// articles linking to it. Page links depend on the language alone.
//
// A build reads the previous build's entries and keeps only those it used,
// so the cache never holds more than one catalog's renders. Only reload
// uses it, under KB.mu.
//
// A patch (reloadArticles) changes one map in place instead: startPatch,
// render, forgetUnused, done.
type renderCache struct {
	prev, next map[renderKey]*rendered
	used       map[renderKey]bool // during a patch: the entries rendered or reused
	// linking lists, per article key, the entries whose bodies link to it:
	// a patch finds the bodies to render again there, where it scanned
	// every entry (400,000 at 50,000 articles shown in 8 languages). Made
	// at a patch's first need, from prev; kept by the patches' renders; a
	// whole build drops it. It may list an entry that is gone or links
	// there no more: linkingTo leaves those out.
	linking map[string][]renderKey
}

type renderKey struct {
	translation int64
	lang        string // the page's language
}

type rendered struct {
	body  [sha256.Size]byte // of the Markdown source
	links map[string]linkTarget
	// pageLinks: the body links to a portal page (linker.page).
	pageLinks bool
	html      string
	plain     string // plainText(html), filled when first asked for
	// The vocabulary's words of the document (title, plain text, keywords),
	// and the sum of what they were cut from.
	termsOf  [sha256.Size]byte
	docTerms []termID
}

type linkTarget struct {
	url string
	ok  bool
}

func (rc *renderCache) start() {
	if rc == nil {
		return
	}
	rc.next = make(map[renderKey]*rendered, len(rc.prev))
	rc.linking = nil
}

func (rc *renderCache) done() {
	if rc == nil {
		return
	}
	rc.prev, rc.next, rc.used = rc.next, nil, nil
}

// startPatch has render read and write the entries of the last build.
func (rc *renderCache) startPatch() {
	rc.next, rc.used = rc.prev, map[renderKey]bool{}
}

// forgetUnused drops key's entry unless the patch rendered or reused it.
func (rc *renderCache) forgetUnused(key renderKey) {
	if !rc.used[key] {
		delete(rc.next, key)
	}
}

// render is render(body, l) for translation id on a page in lang, from the
// cache when nothing it depends on changed.
func (rc *renderCache) render(id int64, lang, body string, l linker) *rendered {
	if rc == nil {
		e := &rendered{links: map[string]linkTarget{}}
		e.html, _ = render(body, e.recording(l))
		return e
	}
	key := renderKey{id, lang}
	if rc.used != nil {
		rc.used[key] = true
	}
	sum := sha256.Sum256([]byte(body))
	if e := rc.prev[key]; e != nil && e.body == sum && e.linksSame(l) {
		rc.next[key] = e
		return e
	}
	e := &rendered{body: sum, links: map[string]linkTarget{}}
	e.html, _ = render(body, e.recording(l))
	rc.next[key] = e
	if rc.linking != nil {
		for k := range e.links {
			rc.linking[k] = append(rc.linking[k], key)
		}
	}
	return e
}

// linkingTo returns the entries of prev whose bodies link to the article
// key, each once.
func (rc *renderCache) linkingTo(key string) []renderKey {
	if rc.linking == nil {
		rc.linking = map[string][]renderKey{}
		for rk, e := range rc.prev {
			for k := range e.links {
				rc.linking[k] = append(rc.linking[k], rk)
			}
		}
	}
	list := rc.linking[key]
	seen := make(map[renderKey]bool, len(list))
	live := list[:0]
	for _, rk := range list {
		if e := rc.prev[rk]; e != nil && !seen[rk] {
			if _, ok := e.links[key]; ok {
				seen[rk] = true
				live = append(live, rk)
			}
		}
	}
	clear(list[len(live):])
	if len(live) == 0 {
		delete(rc.linking, key)
		return nil
	}
	rc.linking[key] = live
	return slices.Clone(live)
}

// recording is l, recording in e the links it makes.
func (e *rendered) recording(l linker) linker {
	return linker{
		article: func(k string) (string, bool) {
			u, ok := l.article(k)
			e.links[k] = linkTarget{u, ok}
			return u, ok
		},
		page: func(path string) string {
			e.pageLinks = true
			return l.page(path)
		},
	}
}

// sameEverywhere reports whether the body links to no article and no portal
// page: then its HTML is the same on a page in any language (render
// depends on the page's language through its linker alone), and a page
// showing it in another language shows this HTML (session 20: a catalog of
// 50,000 articles in one language, shown in 8, rendered each body 8 times).
func (e *rendered) sameEverywhere() bool {
	return e != nil && len(e.links) == 0 && !e.pageLinks
}

func (e *rendered) linksSame(l linker) bool {
	for k, was := range e.links {
		if u, ok := l.article(k); u != was.url || ok != was.ok {
			return false
		}
	}
	return true
}

// plainText is plainText(e.html), computed once per entry.
func (e *rendered) plainText() string {
	if e.plain == "" && e.html != "" {
		e.plain = plainText(e.html)
	}
	return e.plain
}

// vocabTerm is one word a document adds to its language's vocabulary: folded,
// and as first written in the document when that differs (else "").
type vocabTerm struct{ folded, written string }

// termID names a vocabTerm in the term table. Documents keep their words as
// termIDs, memory the garbage collector does not scan: kept as vocabTerms,
// two strings per word of every document, they were tens of millions of
// pointers at 50,000 articles for a vocabulary of some thousands of words
// (issue 13, "Scale", session 21).
type termID uint32

// terms is the term table: every vocabTerm any document of the process has
// held, once, by termID. It only grows, so ids never change (a catalog
// patched and one built whole give a document the same ids) and a slice of
// the table taken under the lock stays valid: entries are never written
// again. It holds the words ever published, a vocabulary's size.
var terms struct {
	mu    sync.RWMutex
	ids   map[vocabTerm]termID
	table []vocabTerm
}

// internTerms gives the termIDs of ts, adding those the table lacks.
func internTerms(ts []vocabTerm) []termID {
	if len(ts) == 0 {
		return nil
	}
	out := make([]termID, len(ts))
	terms.mu.Lock()
	defer terms.mu.Unlock()
	if terms.ids == nil {
		terms.ids = map[vocabTerm]termID{}
	}
	for i, t := range ts {
		id, ok := terms.ids[t]
		if !ok {
			// Copies: the words may be slices of a whole document's text,
			// which the table would keep alive.
			t = vocabTerm{folded: strings.Clone(t.folded), written: strings.Clone(t.written)}
			id = termID(len(terms.table))
			terms.table = append(terms.table, t)
			terms.ids[t] = id
		}
		out[i] = id
	}
	return out
}

// termTable is the term table as it is now: every termID given so far
// indexes it.
func termTable() []vocabTerm {
	terms.mu.RLock()
	defer terms.mu.RUnlock()
	return terms.table
}

// docTerms is what vocabBuilder.addDocument adds for texts, kept so the next
// build adds it again without cutting the text into words.
func docTerms(texts ...string) []termID {
	vb := newVocabBuilder()
	var out []vocabTerm
	for _, t := range texts {
		words.Each(t, func(w string) {
			if words.IsCJKWord(w) {
				return
			}
			f := words.Fold(w)
			if f == "" || vb.seen[f] {
				return
			}
			vb.seen[f] = true
			term := vocabTerm{folded: f}
			if f != w {
				term.written = w
			}
			out = append(out, term)
		})
	}
	return internTerms(out)
}

// addTerms is addDocument for the terms docTerms gave.
func (vb *vocabBuilder) addTerms(ids []termID) {
	table := termTable()
	for _, id := range ids {
		t := table[id]
		vb.df[t.folded]++
		if t.written != "" {
			if _, ok := vb.display[t.folded]; !ok {
				vb.display[t.folded] = t.written
			}
		}
	}
}

// terms is docTerms(title, text) from the entry when they are the same as
// last time.
func (e *rendered) terms(title, text string) []termID {
	sum := sha256.Sum256([]byte(title + "\x00" + text))
	if e.termsOf != sum || e.docTerms == nil {
		e.termsOf, e.docTerms = sum, docTerms(title, text)
	}
	return e.docTerms
}
