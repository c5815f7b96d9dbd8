package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/accounts"
)

// Publishing refuses an image without alternative text, in the editor's
// language, on the form with every word kept (the text is saved as a
// revision); with alt text it publishes and visitors see the image.
// Scheduling refuses it too.
func TestEditor_PublishRefusesAnImageWithoutAltText(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	body := "Open the menu.\n\n![](/files/0123abcd.png)\n\nEvery word of this stays: quetzal."
	form := newArticleForm("Printer Menu Tour", body)
	form.Set("lang", "fr")
	form.Set("action", "publish")
	w := e.send(t, "/fr/editor/save", form)
	wantStatus(t, w, http.StatusBadRequest)
	d := doc(t, w)
	wantText(t, d.Find("#form-error"), "texte alternatif")
	wantText(t, d.Find("#form-error"), "/files/0123abcd.png")
	if got := d.Find("#ed-body").Text(); got != body {
		t.Fatalf("the body was not kept: %q", got)
	}
	if got := d.Find("#ed-title").AttrOr("value", ""); got != "Printer Menu Tour" {
		t.Errorf("title = %q", got)
	}
	// The refused text was saved: the form now edits that article.
	art := d.Find(`#editor-form input[name="article"]`).AttrOr("value", "0")
	if art == "0" {
		t.Fatal("the refused text was not saved as a revision")
	}
	page := "/fr/editor/articles/" + art + "/fr"
	wantStatus(t, a.get(t, "/fr/articles/printer-menu-tour"), http.StatusNotFound)

	// Scheduling refuses it, in the editor's language.
	at := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04")
	w = e.send(t, page+"/publish", url.Values{"action": {"schedule"}, "publish_at": {at}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "texte alternatif")

	// With alt text it publishes, and a visitor sees the image.
	base := d.Find(`#editor-form input[name="base"]`).AttrOr("value", "0")
	form.Set("article", art)
	form.Set("base", base)
	form.Set("body", strings.Replace(body, "![]", "![Le menu de l'imprimante]", 1))
	w = e.send(t, "/fr/editor/save", form)
	editorSavedIn(t, w, "/fr/", "published")
	img := doc(t, a.get(t, "/fr/articles/printer-menu-tour")).Find(`main img[src="/files/0123abcd.png"]`)
	if img.Length() != 1 || img.AttrOr("alt", "") != "Le menu de l'imprimante" {
		t.Errorf("the visitor's image: %d, alt %q", img.Length(), img.AttrOr("alt", ""))
	}
}

// editorSavedIn is editorSaved for a room in any language (prefix "/fr/").
func editorSavedIn(t *testing.T, w interface {
	Header() http.Header
}, prefix, wantDone string) string {
	t.Helper()
	loc := w.Header().Get("Location")
	path, q, _ := strings.Cut(loc, "?")
	if !strings.HasPrefix(path, prefix+"editor/articles/") || !strings.Contains(q, "done="+wantDone) {
		t.Fatalf("redirected to %q", loc)
	}
	return path
}

// Without a cookie, "write an article for this" is a form carrying the
// session, and the new-article page opens prefilled in the search's language.
func TestEditorSearches_WriteAnArticleForThisWithoutACookie(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, addr := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		a.kb.RecordSearch("fr", "écran bleu", 0, addr)
	}
	if err := a.kb.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", false)
	d := doc(t, e.send(t, "/en/editor/searches", url.Values{"in": {"fr"}}))
	f := wantCount(t, d, "table.searches-table tbody tr form", 1)
	action := f.AttrOr("action", "")
	if f.Find(`input[name="token"]`).Length() != 1 {
		t.Error("the form does not carry the session")
	}
	if !strings.HasPrefix(action, "/en/editor/new?") || f.AttrOr("method", "") != "post" {
		t.Fatalf("form: %s %s", f.AttrOr("method", ""), action)
	}
	nd := doc(t, e.send(t, action, nil))
	if got := nd.Find("#ed-title").AttrOr("value", ""); got != "écran bleu" {
		t.Errorf("title = %q", got)
	}
	wantCount(t, nd, `#ed-lang option[value="fr"][selected]`, 1)
	if got := nd.Find("#ed-title").AttrOr("lang", ""); got != "fr" {
		t.Errorf("title's lang = %q", got)
	}
}
