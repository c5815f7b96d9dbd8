package kb

import "crypto/sha256"

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
type renderCache struct {
	prev, next map[renderKey]*rendered
}

type renderKey struct {
	translation int64
	lang        string // the page's language
}

type rendered struct {
	body  [sha256.Size]byte // of the Markdown source
	links map[string]linkTarget
	html  string
	plain string // plainText(html), filled when first asked for
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
}

func (rc *renderCache) done() {
	if rc == nil {
		return
	}
	rc.prev, rc.next = rc.next, nil
}

// render is render(body, l) for translation id on a page in lang, from the
// cache when nothing it depends on changed.
func (rc *renderCache) render(id int64, lang, body string, l linker) *rendered {
	if rc == nil {
		html, _ := render(body, l)
		return &rendered{html: html}
	}
	key := renderKey{id, lang}
	sum := sha256.Sum256([]byte(body))
	if e := rc.prev[key]; e != nil && e.body == sum && e.linksSame(l) {
		rc.next[key] = e
		return e
	}
	e := &rendered{body: sum, links: map[string]linkTarget{}}
	recording := linker{
		article: func(k string) (string, bool) {
			u, ok := l.article(k)
			e.links[k] = linkTarget{u, ok}
			return u, ok
		},
		page: l.page,
	}
	e.html, _ = render(body, recording)
	rc.next[key] = e
	return e
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
