package kb

import (
	"reflect"
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
