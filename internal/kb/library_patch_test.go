package kb

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"zerodesk/data"
)

// wholeCatalog is the catalog built from every row now, as New and reload
// build it (no render cache: every body rendered afresh).
func wholeCatalog(t *testing.T, k *KB) *catalog {
	t.Helper()
	rows, err := loadLibrary(context.Background(), k.db.Read)
	if err != nil {
		t.Fatal(err)
	}
	return newCatalog(buildLibrary(rows, k.opts, nil), rows.counts)
}

// sameCatalog fails unless got shows visitors what want shows: every list,
// page, address, body, vocabulary and search summary, compared deeply.
func sameCatalog(t *testing.T, step string, got, want *catalog) {
	t.Helper()
	gl, wl := got.lib, want.lib
	for name, pair := range map[string][2]any{
		"lib.docs": {gl.docs, wl.docs}, "lib.articles": {gl.articles, wl.articles}, "lib.byKey": {gl.byKey, wl.byKey},
		"lib.all": {gl.all, wl.all}, "lib.related": {gl.related, wl.related}, "lib.byLang": {gl.byLang, wl.byLang},
		"lib.byArticle": {gl.byArticle, wl.byArticle}, "lib.translations": {gl.translations, wl.translations},
		"lib.langs": {gl.langs, wl.langs}, "lib.addresses": {gl.addresses, wl.addresses},
		"lib.fallbackHTML": {gl.fallbackHTML, wl.fallbackHTML}, "lib.vocab": {gl.vocab, wl.vocab},
		"byTranslation": {got.byTranslation, want.byTranslation}, "docs": {got.docs, want.docs},
		"none": {got.none, want.none},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s: %s differs from the whole build", step, name)
		}
	}
	if !slices.Equal(slices.Sorted(maps.Keys(got.shelves)), slices.Sorted(maps.Keys(want.shelves))) {
		t.Fatalf("%s: shelves %v, whole build %v", step, slices.Sorted(maps.Keys(got.shelves)), slices.Sorted(maps.Keys(want.shelves)))
	}
	for lang, sh := range want.shelves {
		g := got.shelves[lang]
		for name, pair := range map[string][2]any{
			"bySlug": {g.bySlug, sh.bySlug}, "sections": {g.sections, sh.sections},
			"popular": {g.popular, sh.popular}, "latest": {g.latest, sh.latest},
			"notes": {g.notes, sh.notes}, "heads": {g.heads, sh.heads}, "related": {g.related, sh.related},
		} {
			if !reflect.DeepEqual(pair[0], pair[1]) {
				t.Errorf("%s: shelf %s: %s differs from the whole build", step, lang, name)
			}
		}
		for id, a := range sh.byArticle.all() {
			if !reflect.DeepEqual(g.byArticle.get(id), a) {
				t.Errorf("%s: shelf %s: article %d (%s) is\n%+v\nwhole build:\n%+v", step, lang, id, a.Key, g.byArticle.get(id), a)
			}
		}
		if g.byArticle.len() != sh.byArticle.len() {
			t.Errorf("%s: shelf %s: %d articles, whole build %d", step, lang, g.byArticle.len(), sh.byArticle.len())
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// After every publication, unpublication, move, slug change and translation
// the catalog patched from the one before (reloadArticles) is the catalog
// built whole from the database, on the demo (8 languages, fallbacks in
// every language, links between articles); and it was patched, not rebuilt:
// an article the change does not touch keeps its very doc.
func TestPatchedCatalog_SameAsBuiltWhole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, c := seeded(t, data.Demo())
	by := Author{Name: "Eda Editor"}
	sameCatalog(t, "seeded", k.cat.Load(), wholeCatalog(t, k))

	far := k.cat.Load().lib.byKey["terms-of-use"].id // touched by no step below
	step := func(name string, do func() error) {
		t.Helper()
		c.Add(time.Minute)
		before := k.cat.Load()
		for _, lang := range before.lib.langs { // so that the step patches them, with phrases kept
			ix := before.lib.impacts.get(before.lib, lang, true)
			for _, p := range patchedPhrases {
				ix.phrasePostings(before.lib.vocab[lang], p)
			}
		}
		if err := do(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		after := k.cat.Load()
		if after.version == before.version {
			t.Fatalf("%s: the catalog version did not change", name)
		}
		if before.lib.byLang["en"][far] != after.lib.byLang["en"][far] {
			t.Fatalf("%s: the catalog was built whole, not patched", name)
		}
		sameCatalog(t, name, after, wholeCatalog(t, k))
		sameImpacts(t, name, after.lib)
		if want, err := readSections(ctx, k.db.Read); err != nil || !reflect.DeepEqual(k.Sections(), want) {
			t.Fatalf("%s: the categories are\n%+v\nread again: %+v (%v)", name, k.Sections(), want, err)
		}
	}
	// A change of the categories renders nothing again: the very library.
	catStep := func(name string, do func() error) {
		t.Helper()
		before := k.cat.Load().lib
		step(name, do)
		if k.cat.Load().lib != before {
			t.Fatalf("%s: the library was made again", name)
		}
	}
	save := func(id int64, lang string, edit func(*Draft)) *Revision {
		t.Helper()
		ed, err := k.Edition(ctx, id, lang)
		if err != nil {
			t.Fatal(err)
		}
		d := ed.Head.Draft
		edit(&d)
		rev, err := k.Save(ctx, by, id, ed.Head.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		return rev
	}

	// A new article, in English only: a fallback on every other shelf.
	draft := Draft{Lang: "en", Title: "Print a Ticket Receipt", Body: "Open the ticket and choose **Print**. Zanzibar, [recover](article:recover-account).",
		Description: "Paper copies of a ticket.", Category: HowTo, Position: 2, Keywords: "quokka paper", Related: []string{"reset-account"}}
	rev, err := k.Create(ctx, by, draft)
	if err != nil {
		t.Fatal(err)
	}
	id := rev.ArticleID
	step("publish a new article", func() error { return k.Publish(ctx, id, "en", rev.ID) })

	// An article that links to it, in English and Spanish, and names it as related.
	linking := k.cat.Load().lib.byKey["what-is-a-usercode"].id
	for _, lang := range []string{"en", "es"} {
		r := save(linking, lang, func(d *Draft) {
			d.Body += fmt.Sprintf("\n\nSee [receipts](article:%s) and [the receipt](article:nowhere-yet).\n", rev.Draft.Slug)
			d.Related = []string{rev.Draft.Slug}
		})
		step("publish a linking article in "+lang, func() error { return k.Publish(ctx, linking, lang, r.ID) })
	}

	// Its slug and text change: bodies linking to it link to the new address.
	r := save(id, "en", func(d *Draft) { d.Slug, d.Body = "ticket-receipts", d.Body+" Printing again." })
	step("change the slug", func() error { return k.Publish(ctx, id, "en", r.ID) })
	for _, lang := range []string{"en", "es", "fr"} {
		if a := k.cat.Load().shelf(lang).byArticle.get(linking); !strings.Contains(a.BodyHTML, `href="/`+lang+`/a/ticket-receipts"`) {
			t.Fatalf("the linking article in %s does not link to the new address: %s", lang, a.BodyHTML)
		}
	}

	// It moves to the first place of the FAQ (the home page's lists).
	r = save(id, "en", func(d *Draft) {
		d.Category, d.Position, d.Related = FAQ, 1, []string{"first-login", "what-is-a-usercode"}
	})
	step("move to the FAQ", func() error { return k.Publish(ctx, id, "en", r.ID) })

	// Translated into Spanish: no longer a fallback there.
	tr, err := k.SaveTranslation(ctx, by, id, 0, Draft{Lang: "es", Title: "Imprimir un recibo", Body: "Abra el ticket. Zanzíbar."}, r.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	step("publish a translation", func() error { return k.Publish(ctx, id, "es", tr.ID) })

	// The source changes: the translation is outdated.
	r = save(id, "en", func(d *Draft) { d.Body += " Outdated now." })
	step("change the source", func() error { return k.Publish(ctx, id, "en", r.ID) })

	// The Spanish is still current: published again, no longer outdated.
	if !k.cat.Load().shelf("es").byArticle.get(id).Outdated {
		t.Fatal("the Spanish is not outdated after the source changed")
	}
	esHead, err := k.Edition(ctx, id, "es")
	if err != nil {
		t.Fatal(err)
	}
	step("still current", func() error {
		_, err := k.StillCurrent(ctx, by, id, "es", esHead.Head.ID, r.ID, "Still current")
		return err
	})
	if k.cat.Load().shelf("es").byArticle.get(id).Outdated {
		t.Fatal("the Spanish is still outdated after StillCurrent")
	}

	// A demo article moves to another category.
	moved := k.cat.Load().lib.byKey["reset-account"].id
	mr := save(moved, "en", func(d *Draft) { d.Category, d.Position = HowTo, 1 })
	step("move a demo article", func() error { return k.Publish(ctx, moved, "en", mr.ID) })

	// Unpublished in Spanish, then in English: gone, links to it with it.
	step("unpublish the translation", func() error { return k.Unpublish(ctx, id, "es", "") })
	step("unpublish the article", func() error { return k.Unpublish(ctx, id, "en", "first-login") })

	// Published again, as scheduled.
	r = save(id, "en", func(d *Draft) { d.Body += " Back." })
	if err := k.Schedule(ctx, id, "en", r.ID, c.Now().Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	step("publish when due", func() error {
		c.Add(time.Minute)
		n, err := k.PublishDue(ctx)
		if n != 1 {
			return fmt.Errorf("published %d", n)
		}
		return err
	})

	// The categories: created, named in Spanish, moved, deleted.
	var quokkas Category
	catStep("create a category", func() (err error) { quokkas, err = k.CreateCategory(ctx, "en", "Quokka Care", "Feeding."); return err })
	catStep("name a category in Spanish", func() error { return k.DescribeCategory(ctx, HowTo, "es", "Guías", "Paso a paso.") })
	catStep("move a category up", func() error { return k.MoveCategory(ctx, HowTo, true) })
	catStep("delete a category", func() error { return k.DeleteCategory(ctx, quokkas) })

	// An import of the whole export: a new article, two demo articles' new
	// texts, a category renamed; the rest unchanged.
	files, err := k.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in := fstest.MapFS{}
	for name, data := range files { // the link to no article refused: the linking article changes too
		in[name] = &fstest.MapFile{Data: bytes.ReplaceAll(data, []byte(" and [the receipt](article:nowhere-yet)"), nil)}
	}
	in["en/first-login.md"].Data = append(in["en/first-login.md"].Data, "\n\nImported: Zanzibar quokkas.\n"...)
	in["en/quokka-import.md"] = &fstest.MapFile{Data: []byte("+++\nkey = \"quokka-import\"\ntitle = \"Quokkas Imported\"\n" +
		"category = \"howto\"\nstate = \"published\"\npublished = 2026-11-01T10:00:00Z\nposition = 3\nrelated = [\"first-login\"]\n" +
		"+++\nSee [the first login](article:first-login). Zanzibar.\n")}
	in[CategoriesFile].Data = bytes.Replace(in[CategoriesFile].Data, []byte("Guías"), []byte("Guías prácticas"), 1)
	step("import", func() error {
		res, err := k.Import(ctx, in)
		if err == nil && (res.Created != 1 || res.Updated != 2) {
			err = fmt.Errorf("import: %+v", res)
		}
		return err
	})
	if name, _, _ := k.Sections().Text(HowTo, "es"); name != "Guías prácticas" {
		t.Fatalf("the import did not rename the category: %q", name)
	}
}

// patchedPhrases are phrases of several words the steps of
// TestPatchedCatalog_SameAsBuiltWhole add, change and take out: kept by the
// word lists before each step, patched by it.
var patchedPhrases = []memPhrase{
	{"print a ticket", false}, {"printing again", false}, {"outdated now", false}, {"zanzibar quokkas", false},
	{"the ticket", false}, {"the tick", true}, {"ticket receipt", false}, {"quokka paper", false},
	{"recover quokka", false}, {"abra el", false}, {"el ticket", false}, {"the first", false},
}

// sameImpacts fails unless every language's word lists lib holds (patched)
// hold what lists built from lib's documents hold: per document, its length
// and each word's weighted frequency; and each phrase of several words they
// keep, its weighted frequency (counted again in lists built whole).
func sameImpacts(t *testing.T, step string, lib *library) {
	t.Helper()
	type entry struct {
		length int32
		freq   map[string]int32
	}
	canon := func(ix *impactIndex) map[int64]entry {
		out := map[int64]entry{}
		for i, d := range ix.docs {
			if d != nil {
				out[d.id] = entry{length: ix.length[i], freq: map[string]int32{}}
			}
		}
		for f, list := range ix.postings {
			if len(list) == 0 {
				t.Errorf("%s: %q has an empty list", step, f)
			}
			for _, p := range list {
				out[ix.docs[p.doc].id].freq[f] += p.freq
			}
		}
		return out
	}
	lib.impacts.mu.Lock()
	built := maps.Clone(lib.impacts.byLang)
	lib.impacts.mu.Unlock()
	if len(built) == 0 {
		t.Fatalf("%s: no word lists were patched", step)
	}
	kept := 0
	for lang, ix := range built {
		whole := buildImpactIndex(lib, lang)
		if got, want := canon(ix), canon(whole); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: the word lists of %s differ from lists built whole", step, lang)
		}
		ix.phrases.mu.Lock()
		lists := maps.Clone(ix.phrases.lists)
		ix.phrases.mu.Unlock()
		phraseFreq := func(ix *impactIndex, list []posting) map[int64]int32 {
			out := map[int64]int32{}
			for _, p := range list {
				out[ix.docs[p.doc].id] = p.freq
			}
			return out
		}
		for p, list := range lists {
			want, _ := whole.countPhrase(lib.vocab[lang], p)
			if got, want := phraseFreq(ix, list), phraseFreq(whole, want); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: %s %+v: patched %v, counted again %v", step, lang, p, got, want)
			}
			kept++
		}
	}
	if kept == 0 {
		t.Fatalf("%s: no phrase was kept", step)
	}
}
