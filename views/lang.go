package views

import (
	"context"
	"sync"

	"github.com/a-h/templ"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"zerodesk/locales"
)

// Text in another language than the page's is isolated, so its direction
// cannot move the punctuation around it (an English title on an Arabic page):
// elements get lang and dir (an element with dir is isolated), and words
// placed inside a sentence are wrapped in FSI … PDI. Language names inside
// sentences are in the reader's language ("in English" is "باللغة
// الإنجليزية" on an Arabic page), not the language's own name.

// langAttrs are the lang and, when the language is not the page's, the dir
// of an element holding text in lang.
//
// The attributes are made once per pair of languages and shared (templ only
// reads them): a results page asks for them for every title and snippet, and
// a fresh map each time was the largest allocation of the search page.
func langAttrs(ctx context.Context, lang string) templ.Attributes {
	if lang == "" {
		return nil
	}
	key := [2]string{lang, Lang(ctx)}
	if a, ok := sharedLangAttrs.Load(key); ok {
		return a.(templ.Attributes)
	}
	a := templ.Attributes{"lang": lang}
	if lang != key[1] {
		a["dir"] = locales.DirOf(lang)
	}
	sharedLangAttrs.Store(key, a)
	return a
}

// sharedLangAttrs holds langAttrs' answers by [language, page language]:
// a few dozen pairs at most (8 languages shipped, plus article languages).
var sharedLangAttrs sync.Map

// isolate wraps text for a sentence in FSI … PDI: its own direction, taken
// from its first strong character, stays inside.
func isolate(s string) string {
	if s == "" {
		return s
	}
	return "\u2068" + s + "\u2069"
}

var namers sync.Map // reader language → display.Namer

// langNameIn is the name of the language code in the page's language
// ("Englisch" on a German page); the language's own name when the page's
// language has no names.
func langNameIn(ctx context.Context, code string) string {
	reader := Lang(ctx)
	if reader == code {
		return locales.Name(code)
	}
	n, ok := namers.Load(reader)
	if !ok {
		n = display.Tags(language.Make(reader))
		namers.Store(reader, n)
	}
	tag, err := language.Parse(code)
	if err != nil {
		return locales.Name(code)
	}
	if name := n.(display.Namer).Name(tag); name != "" {
		return name
	}
	return locales.Name(code)
}

// searchBoxQuery is what the site's search box holds: the query on the search
// page (so it is the page's one search box), else nothing.
func searchBoxQuery(ctx context.Context) string {
	p := PageOf(ctx)
	if p.Path != "/search" {
		return ""
	}
	return p.Query.Get("q")
}
