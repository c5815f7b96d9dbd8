package kb

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"testing"

	"zerodesk/data"
)

// hasPointers reports whether a value of type t holds a pointer the garbage
// collector would follow.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Chan, reflect.Func,
		reflect.Interface, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// What the catalog keeps per document and per shelf entry for the life of the
// process is memory the collector does not scan (issue 13, "Scale": at
// 50,000 articles shown in 8 languages, per-document word lists and Related
// lists of Summary copies were tens of millions of pointers, and one
// collection marked 1.5 GB for 2.3 s while article pages queued). The words
// of a document are ids into the shared term table; a shelf's Article holds
// its Related list as translation ids, made into Summaries when handed out.
func TestCatalog_PerDocumentListsHoldNoPointers(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]reflect.StructField{
		"doc.terms":         field(t, reflect.TypeFor[doc](), "terms"),
		"rendered.docTerms": field(t, reflect.TypeFor[rendered](), "docTerms"),
		"Article.relatedTo": field(t, reflect.TypeFor[Article](), "relatedTo"),
	} {
		typ := f.Type
		if typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if hasPointers(typ) {
			t.Errorf("%s holds %s: pointers for the collector to mark", name, f.Type)
		}
	}

	k, _, _ := seeded(t, data.Demo())
	c := k.cat.Load()
	related := 0
	for lang, sh := range c.shelves {
		for id, a := range sh.byArticle.all() {
			if a.Related != nil {
				t.Fatalf("shelf %s: article %d keeps a Related list of Summaries", lang, id)
			}
			out := c.hand(a)
			related += len(out.Related)
			for i, s := range out.Related {
				if want := c.byTranslation[a.relatedTo[i]]; s != want {
					t.Errorf("shelf %s: article %d: related %d is %+v, want %+v", lang, id, i, s, want)
				}
			}
		}
	}
	if related == 0 {
		t.Fatal("no article of the demo has a related article: the test proves nothing")
	}
}

func field(t *testing.T, typ reflect.Type, name string) reflect.StructField {
	t.Helper()
	f, ok := typ.FieldByName(name)
	if !ok {
		t.Fatalf("%s has no field %s", typ, name)
	}
	return f
}

// A catalog built whole keeps one fallback entry for the shelves that show
// an article the same way: never two equal copies.
func TestCatalog_FallbackEntriesShared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, data.Demo())
	// In English only, its Related list full from its own: the same
	// fallback on every other shelf.
	rev, err := k.Create(ctx, Author{Name: "Eda Editor"}, Draft{Lang: "en", Title: "Print a Ticket Receipt",
		Body: "Open the ticket and choose **Print**.", Description: "Paper copies of a ticket.", Category: HowTo, Position: 2,
		Related: []string{"reset-account", "recover-account", "what-is-a-usercode", "terms-of-use"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Publish(ctx, rev.ArticleID, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	c := wholeCatalog(t, k)
	seen := map[int64][]*Article{}
	shared := 0
	for _, sh := range append([]*shelf{c.none}, slices.Collect(maps.Values(c.shelves))...) {
		for id, a := range sh.byArticle.all() {
			if !a.Fallback {
				continue
			}
			for _, b := range seen[id] {
				if b == a {
					shared++
				} else if sameEntry(a, b) {
					t.Errorf("article %d: two equal fallback entries", id)
				}
			}
			if !slices.Contains(seen[id], a) {
				seen[id] = append(seen[id], a)
			}
		}
	}
	if shared == 0 {
		t.Fatal("no fallback entry shared between shelves: the test proves nothing")
	}
}

// sameEntry compares every field of an Article: one added must be added there.
func TestSameEntry_ComparesEveryField(t *testing.T) {
	t.Parallel()
	if n := reflect.TypeFor[Article]().NumField(); n != 14 {
		t.Fatalf("Article has %d fields, sameEntry compares 14: compare the new one", n)
	}
	base := Article{Summary: Summary{ArticleID: 1, Title: "T"}, BodyHTML: "<p>b</p>", Fallback: true, SourceLang: "en"}
	for name, change := range map[string]func(*Article){
		"Summary": func(a *Article) { a.Title = "U" }, "BodyHTML": func(a *Article) { a.BodyHTML = "<p>c</p>" },
		"UpdatedAt": func(a *Article) { a.UpdatedAt = unixUTC(5) }, "HelpfulYes": func(a *Article) { a.HelpfulYes = 1 },
		"HelpfulNo": func(a *Article) { a.HelpfulNo = 1 }, "Related": func(a *Article) { a.Related = []Summary{{}} },
		"relatedTo": func(a *Article) { a.relatedTo[3] = 9 }, "Translations": func(a *Article) { a.Translations = []Translation{{Lang: "en"}} },
		"Fallback": func(a *Article) { a.Fallback = false }, "Outdated": func(a *Article) { a.Outdated = true },
		"SourceUpdatedAt": func(a *Article) { a.SourceUpdatedAt = unixUTC(5) }, "SourceLang": func(a *Article) { a.SourceLang = "es" },
		"SourceSlug": func(a *Article) { a.SourceSlug = "s" }, "Redirect": func(a *Article) { a.Redirect = true },
	} {
		x, y := base, base
		change(&y)
		if sameEntry(&x, &y) {
			t.Errorf("sameEntry misses a change of %s", name)
		}
	}
}
