package kb

import (
	"context"
	"testing"
)

// A body shown on a page in another language is the body rendered with
// that page's links, also where the catalog takes the body's own HTML for
// it without rendering (it links to no article and no portal page):
// every fallback body of the demo (8 languages, links between articles
// and to portal pages) and of a generated catalog, compared with a render
// in the page's language; both ways are taken.
func TestFallbackBodies_AsRenderedInThePageLanguage(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(testing.TB) *KB{"demo": sharedSeededDemo, "generated": sharedGenerated} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k := open(t)
			rows, err := loadLibrary(context.Background(), k.db.Read)
			if err != nil {
				t.Fatal(err)
			}
			bodies := map[int64]string{}
			for _, tr := range rows.translations {
				bodies[tr.id] = tr.body
			}
			for _, lib := range []*library{k.cat.Load().lib, buildLibrary(rows, k.opts, nil)} {
				shared, rendered := 0, 0
				for lang, fb := range lib.fallbackHTML {
					for id, html := range fb.all() {
						want, _ := render(bodies[id], lib.linker(lang, k.opts))
						if html != want {
							t.Fatalf("translation %d on a page in %s:\n%s\nrendered in %[2]s:\n%s", id, lang, html, want)
						}
						d := k.cat.Load().docs[id]
						if html == d.bodyHTML {
							shared++
						} else {
							rendered++
						}
					}
				}
				if name == "demo" && (shared == 0 || rendered == 0) {
					t.Fatalf("%d fallback bodies as in their own language, %d rendered again: want both", shared, rendered)
				}
			}
		})
	}
}
