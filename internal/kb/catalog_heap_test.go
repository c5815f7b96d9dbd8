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
// of a document are ids into the shared term table; a shelf holds its
// Articles' Related lists as translation ids (shelf.related), made into
// Summaries when handed out.
func TestCatalog_PerDocumentListsHoldNoPointers(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]reflect.StructField{
		"doc.terms":         field(t, reflect.TypeFor[doc](), "terms"),
		"rendered.docTerms": field(t, reflect.TypeFor[rendered](), "docTerms"),
		"shelf.related":     field(t, reflect.TypeFor[shelf](), "related"),
	} {
		typ := f.Type
		if typ.Kind() == reflect.Pointer && typ.Elem().Kind() == reflect.Struct { // a chunked map
			k, _ := typ.Elem().FieldByName("parts")
			typ = reflect.StructOf([]reflect.StructField{
				{Name: "K", Type: k.Type.Elem().Key()}, {Name: "V", Type: k.Type.Elem().Elem()}})
		}
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
			out := c.hand(sh, a)
			related += len(out.Related)
			for i, s := range out.Related {
				if want := c.byTranslation[sh.related.get(id)[i]]; s != want {
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
	if n := reflect.TypeFor[Article]().NumField(); n != 13 {
		t.Fatalf("Article has %d fields, sameEntry compares 13: compare the new one", n)
	}
	base := Article{Summary: Summary{ArticleID: 1, Title: "T"}, BodyHTML: "<p>b</p>", Fallback: true, SourceLang: "en"}
	for name, change := range map[string]func(*Article){
		"Summary": func(a *Article) { a.Title = "U" }, "BodyHTML": func(a *Article) { a.BodyHTML = "<p>c</p>" },
		"UpdatedAt": func(a *Article) { a.UpdatedAt = unixUTC(5) }, "HelpfulYes": func(a *Article) { a.HelpfulYes = 1 },
		"HelpfulNo": func(a *Article) { a.HelpfulNo = 1 }, "Related": func(a *Article) { a.Related = []Summary{{}} },
		"Translations": func(a *Article) { a.Translations = []Translation{{Lang: "en"}} },
		"Fallback":     func(a *Article) { a.Fallback = false }, "Outdated": func(a *Article) { a.Outdated = true },
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

// A shelf's lists (sections, Popular, Latest) are translation ids, no
// pointer a entry, resolved through byTranslation when handed out (session
// 21: as []Summary, seven pointers an entry, one per article, shelf and
// list, they were the largest pointer-holding memory left at 50,000
// articles after the Articles). Every id a list holds resolves, and what the
// KB hands out is the resolved list.
func TestCatalog_ShelfListsHoldNoPointers(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sections", "popular", "latest"} {
		typ := field(t, reflect.TypeFor[shelf](), name).Type
		for typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if hasPointers(typ) {
			t.Errorf("shelf.%s holds %s: pointers for the collector to mark", name, typ)
		}
	}

	k, _, _ := seeded(t, data.Demo())
	c := k.cat.Load()
	resolve := func(lang, list string, ids []int64) []Summary {
		out := make([]Summary, len(ids))
		for i, id := range ids {
			s, ok := c.byTranslation[id]
			if !ok {
				t.Fatalf("shelf %q: %s holds translation %d, which is not published", lang, list, id)
			}
			out[i] = s
		}
		return out
	}
	shelves := maps.Clone(c.shelves)
	shelves["xx"] = c.none
	listed := 0
	for lang, sh := range shelves {
		for _, cat := range Categories {
			want := resolve(lang, "section "+string(cat), sh.sections[cat])
			listed += len(want)
			if got := k.Section(lang, cat); !slices.Equal(got, want) {
				t.Errorf("shelf %q: Section(%s) is %v, want %v", lang, cat, got, want)
			}
			if got, _, _ := k.SectionPage(lang, cat, 1, 3); !slices.Equal(got, want[:min(3, len(want))]) {
				t.Errorf("shelf %q: SectionPage(%s, 1, 3) is %v, want %v", lang, cat, got, want[:min(3, len(want))])
			}
		}
		popular, latest := resolve(lang, "popular", sh.popular), resolve(lang, "latest", sh.latest)
		if got := k.Popular(lang, 1000); !slices.Equal(got, popular) {
			t.Errorf("shelf %q: Popular is %v, want %v", lang, got, popular)
		}
		if got := k.Latest(lang, 1000); !slices.Equal(got, latest) {
			t.Errorf("shelf %q: Latest is %v, want %v", lang, got, latest)
		}
		notes := k.Section(lang, TechNotes)
		got, more, _ := k.TechnicalNotes(lang)
		if n := min(FooterNotes, len(notes)); !slices.Equal(got, notes[:n]) || more != (len(notes) > n) {
			t.Errorf("shelf %q: TechnicalNotes is %v (more %v), want the first %d of %v", lang, got, more, n, notes)
		}
	}
	if listed == 0 {
		t.Fatal("the demo lists no article: the test proves nothing")
	}
}
