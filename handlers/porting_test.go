package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"zerodesk/internal/accounts"
	"zerodesk/internal/kb"
	"zerodesk/internal/tickets"
)

// issue 13, item 10: an installation exported and imported into an empty
// database serves byte-identical pages: home, sections, articles (edited,
// translated, outdated) and search, in several languages.
func TestExportImport_RoundTripServesByteIdenticalPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newTestApp(t)
	// An editor's published change and keywords, so more than the demo text travels.
	id := mustArticleID(t, a, "reset-account")
	ed, err := a.kb.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	d := ed.Head.Draft
	d.Body += "\n\nEdited for the round trip."
	d.Keywords = "roundtripword"
	rev, err := a.kb.Save(ctx, kb.Author{Name: "Eda Editor"}, id, ed.Head.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.kb.Publish(ctx, id, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
	// A newer draft waits: it travels (drafts/), visitors' pages do not change.
	d.Body += "\n\nPendingdraftword."
	if _, err := a.kb.Save(ctx, kb.Author{Name: "Eda Editor"}, id, rev.ID, d); err != nil {
		t.Fatal(err)
	}
	files, err := a.kb.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src := fstest.MapFS{}
	for name, b := range files {
		src[name] = &fstest.MapFile{Data: b}
	}
	b := openTestApp(t, t.TempDir(), tickets.Limits{PerAddress: 5, PerEmail: 5, MaxAttachmentBytes: 1 << 20})
	if _, err := b.kb.Import(ctx, src); err != nil {
		t.Fatal(err)
	}

	bed, err := b.kb.Edition(ctx, mustArticleID(t, b, "reset-account"), "en")
	if err != nil || !strings.Contains(bed.Head.Body, "Pendingdraftword.") || bed.Head.ID == bed.PublishedID {
		t.Fatalf("the pending draft did not travel: %+v, %v", bed, err)
	}
	paths := []string{"/en/search?q=roundtripword", "/en/search?q=Pendingdraftword", "/es/search?q=cuenta", "/ar/search?q=usercode"}
	for _, lang := range []string{"en", "es", "de", "ar", "ja"} {
		paths = append(paths, "/"+lang+"/", "/"+lang+"/search?q=password")
		for _, c := range kb.Categories {
			paths = append(paths, "/"+lang+"/sections/"+string(c))
			for _, s := range a.kb.Section(lang, c) {
				paths = append(paths, "/"+s.Lang+"/articles/"+s.Slug)
			}
		}
	}
	for _, p := range paths {
		wa, wb := a.get(t, p), b.get(t, p)
		if wa.Code != http.StatusOK {
			t.Fatalf("%s: status %d", p, wa.Code)
		}
		if wa.Code != wb.Code || wa.Body.String() != wb.Body.String() {
			t.Fatalf("%s differs after the round trip: %d, %d\n%s\n---\n%s", p, wa.Code, wb.Code, firstDiff(wa.Body.String(), wb.Body.String()), "")
		}
	}
	if len(paths) < 100 {
		t.Fatalf("only %d pages compared", len(paths))
	}
}

func mustArticleID(t *testing.T, a *testApp, slug string) int64 {
	t.Helper()
	art, err := a.kb.Article("en", slug)
	if err != nil {
		t.Fatal(err)
	}
	return art.ArticleID
}

// firstDiff shows where two texts part.
func firstDiff(x, y string) string {
	i := 0
	for i < len(x) && i < len(y) && x[i] == y[i] {
		i++
	}
	from := max(0, i-200)
	return x[from:min(len(x), i+200)] + "\n+++ vs +++\n" + y[from:min(len(y), i+200)]
}

// The demo is loaded through the import, which makes revisions: a demo
// article's history shows its one imported revision, said in the reader's
// language, not the stored words.
func TestEditorHistory_ShowsTheImportedRevision(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	id := mustArticleID(t, a, "reset-account")
	for lang, want := range map[string]string{"en": "Imported from files", "es": "Importado desde archivos"} {
		w := e.open(t, "/"+lang+"/editor/articles/"+strconv.FormatInt(id, 10)+"/en/history", nil)
		wantStatus(t, w, http.StatusOK)
		d := doc(t, w)
		wantCount(t, d, "#history tbody tr", 1)
		wantText(t, d.Find("#history tbody td.imported"), want)
	}
}
