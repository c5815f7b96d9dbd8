package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
)

// newArticleForm is the writing form of a new article.
func newArticleForm(title, body string) url.Values {
	return url.Values{"article": {"0"}, "base": {"0"}, "lang": {"en"}, "title": {title}, "slug": {""},
		"description": {"Paper copies of a ticket."}, "category": {"howto"}, "position": {"3"},
		"keywords": {"quokka"}, "body": {body}, "note": {"first"}, "action": {"save"}}
}

// editorSaved follows a 1-Click change's redirect to the article's page and
// returns that page's address without its query.
func editorSaved(t *testing.T, w interface{ Header() http.Header }, code int, wantDone string) string {
	t.Helper()
	if code != http.StatusSeeOther {
		t.Fatalf("status = %d", code)
	}
	loc := w.Header().Get("Location")
	path, q, _ := strings.Cut(loc, "?")
	if !strings.HasPrefix(path, "/en/editor/articles/") || !strings.Contains(q, "done="+wantDone) {
		t.Fatalf("redirected to %q", loc)
	}
	return path
}

// An editor writes an article, previews it, saves a draft no visitor finds,
// publishes it, and the visitor's pages (article, search, section, sitemap)
// have it at once.
func TestEditor_WritePreviewSaveDraftPublish(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)

	d := doc(t, e.open(t, "/en/editor/new", nil))
	for _, field := range []string{"title", "slug", "description", "category", "position", "related", "keywords", "body", "note"} {
		id := d.Find(`#editor-form [name="`+field+`"]`).AttrOr("id", "")
		if id == "" || d.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("field %s has no label", field)
		}
	}
	wantCount(t, d, `#editor-form button[value="preview"]`, 1)
	wantCount(t, d, `#preview[data-hx-post="/en/editor/preview"][data-hx-trigger]`, 1)
	wantCount(t, d, `script[src*="/static/js/editor."]`, 1)

	body := "Open the ticket and choose **Print**. Xylophone.\n\n<script>alert(1)</script> <b onclick=\"x()\">b</b>"
	form := newArticleForm("Print a Ticket Receipt", body)

	// Preview without JavaScript: the form again, whole, with the page below.
	form.Set("action", "preview")
	w := e.send(t, "/en/editor/save", form)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find("#preview-body article h1"), "Print a Ticket Receipt")
	wantText(t, d.Find("#preview-body .prose strong"), "Print")
	if html, _ := d.Find("#preview-body").Html(); strings.Contains(html, "<script") || strings.Contains(html, "onclick") {
		t.Errorf("the preview holds script: %s", html)
	}
	if got := d.Find("#ed-body").Text(); got != body {
		t.Errorf("the body came back as %q", got)
	}
	// The live preview (HTMX) is the same fragment.
	w = e.send(t, "/en/editor/preview", form, "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("article h1"), "Print a Ticket Receipt")

	// Save: a draft no visitor sees or finds.
	form.Set("action", "save")
	w = e.send(t, "/en/editor/save", form)
	page := editorSaved(t, w, w.Code, "saved")
	d = doc(t, e.open(t, page+"?done=saved&rev=1", nil))
	wantText(t, d.Find("#editor-notice"), "Saved as revision")
	base := d.Find(`#editor-form input[name="base"]`).AttrOr("value", "")
	wantStatus(t, a.get(t, "/en/articles/print-a-ticket-receipt"), http.StatusNotFound)
	if doc(t, a.get(t, "/en/search?q=xylophone")).Find(`a[href="/en/articles/print-a-ticket-receipt"]`).Length() != 0 {
		t.Error("a visitor finds the draft")
	}
	sitemapBefore := a.get(t, "/sitemap.xml").Body.String()

	// Publish: the visitor's pages have it at once.
	form.Set("article", strings.Split(page, "/")[4])
	form.Set("base", base)
	form.Set("action", "publish")
	w = e.send(t, "/en/editor/save", form)
	editorSaved(t, w, w.Code, "published")
	published, _ := url.ParseQuery(strings.SplitN(w.Header().Get("Location"), "?", 2)[1])
	w = a.get(t, "/en/articles/print-a-ticket-receipt")
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("main h1"), "Print a Ticket Receipt")
	for _, q := range []string{"xylophone", "quokka"} {
		wantCount(t, doc(t, a.get(t, "/en/search?q="+q)), `a[href="/en/articles/print-a-ticket-receipt"]`, 1)
	}
	wantCount(t, doc(t, a.get(t, "/en/sections/howto")), `a[href="/en/articles/print-a-ticket-receipt"]`, 1)
	if sitemap := a.get(t, "/sitemap.xml").Body.String(); sitemap == sitemapBefore || !strings.Contains(sitemap, "print-a-ticket-receipt") {
		t.Error("the sitemap did not change")
	}

	// A newer save is said to wait for publishing.
	form.Set("base", published.Get("rev"))
	form.Set("action", "save")
	form.Set("body", "A later draft.")
	w = e.send(t, "/en/editor/save", form)
	editorSaved(t, w, w.Code, "saved")
	wantText(t, doc(t, e.open(t, page, nil)).Find("#pending-note"), "not published yet")
	wantText(t, doc(t, a.get(t, "/en/articles/print-a-ticket-receipt")).Find("main"), "Xylophone")

	// The list shows it, published in English, missing in Spanish.
	d = doc(t, e.open(t, "/en/editor/articles", url.Values{"q": {"receipt"}}))
	row := d.Find("table.editor-list tbody tr")
	if row.Length() != 1 {
		t.Fatalf("rows = %d", row.Length())
	}
	wantText(t, row, "en: published")
	wantText(t, row, "es: missing translation")
	wantText(t, row, "Eda Editor")
}

func TestEditor_SlugIsProposedAndChecked(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	w := e.send(t, "/en/editor/slug", url.Values{"lang": {"en"}, "article": {"0"}, "slug": {"what-is-a-usercode"}}, "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#slug-status"), "Another article uses this address")
	w = e.send(t, "/en/editor/slug", url.Values{"lang": {"en"}, "article": {"0"}, "slug": {"a-fresh-address"}}, "HX-Request", "true")
	wantText(t, doc(t, w).Find("#slug-status"), "This address is free")
	w = e.send(t, "/en/editor/slug", url.Values{"lang": {"en"}, "article": {"0"}, "slug": {"Bad Slug"}}, "HX-Request", "true")
	wantText(t, doc(t, w).Find("#slug-status"), "lower-case letters")

	// The title proposes the slug while it is empty or the last proposal.
	w = e.send(t, "/en/editor/slug/propose", url.Values{"lang": {"en"}, "article": {"0"}, "title": {"Réglages du Compte"}, "slug": {""}}, "HX-Request", "true")
	d := doc(t, w)
	if got := d.Find("#ed-slug").AttrOr("value", ""); got != "reglages-du-compte" {
		t.Errorf("proposed %q", got)
	}
	w = e.send(t, "/en/editor/slug/propose", url.Values{"lang": {"en"}, "article": {"0"}, "title": {"Other"}, "slug": {"my-own"}, "slug_proposed": {"reglages"}}, "HX-Request", "true")
	if got := doc(t, w).Find("#ed-slug").AttrOr("value", ""); got != "my-own" {
		t.Errorf("an edited slug was replaced by %q", got)
	}
}

// A refused save shows the form again, whole, with the reason.
func TestEditor_RefusedSaveKeepsEveryWord(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	form := newArticleForm(" ", "A long careful text.")
	w := e.send(t, "/en/editor/save", form)
	wantStatus(t, w, http.StatusBadRequest)
	d := doc(t, w)
	wantText(t, d.Find("#form-error"), "The title is required")
	wantText(t, d.Find("#ed-body"), "A long careful text.")
	form = newArticleForm("Taken", "Text.")
	form.Set("slug", "what-is-a-usercode")
	w = e.send(t, "/en/editor/save", form)
	wantStatus(t, w, http.StatusConflict)
	d = doc(t, w)
	wantText(t, d.Find("#slug-status"), "Another article uses this address")
	wantText(t, d.Find("#ed-body"), "Text.")
}

// Two editors open the same article; the second save ends on the merge page
// with both texts, and nothing was overwritten.
func TestEditor_ConcurrentSaveEndsOnTheMergePage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	eda := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	ben := signInStaff(t, a, accounts.Editor, "Ben Editor", "ben@example.com", false)
	w := eda.send(t, "/en/editor/save", newArticleForm("Shared Article", "The first text."))
	page := editorSaved(t, w, w.Code, "saved")

	edaDoc := doc(t, eda.open(t, page, nil))
	base := edaDoc.Find(`#editor-form input[name="base"]`).AttrOr("value", "")
	id := edaDoc.Find(`#editor-form input[name="article"]`).AttrOr("value", "")
	save := func(p *deskAgent, text string) *httptest.ResponseRecorder {
		f := newArticleForm("Shared Article", text)
		f.Set("article", id)
		f.Set("base", base)
		f.Set("slug", "shared-article")
		return p.send(t, "/en/editor/save", f)
	}
	w = save(eda, "Eda's words, saved first.")
	editorSaved(t, w, w.Code, "saved")
	w = save(ben, "Ben's words, saved second.")
	wantStatus(t, w, http.StatusConflict)
	d := doc(t, w)
	wantText(t, d.Find("h1"), "Someone else saved this article meanwhile")
	wantText(t, d.Find("#ed-body"), "Ben's words, saved second.")
	wantText(t, d.Find("#theirs-body"), "Eda's words, saved first.")
	wantText(t, d.Find("#theirs-title"), "Eda Editor")
	wantCount(t, d, "#word-diff ins", 1)
	newBase := d.Find(`#editor-form input[name="base"]`).AttrOr("value", "")
	if newBase == base {
		t.Fatal("the merge form keeps the stale base")
	}
	// Saving the merge is accepted on top of Eda's.
	f := newArticleForm("Shared Article", "Eda's and Ben's words.")
	f.Set("article", id)
	f.Set("base", newBase)
	f.Set("slug", "shared-article")
	w = ben.send(t, "/en/editor/save", f)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#editor-notice"), "Saved as revision")
}

// Autosave keeps a working copy; the page offers it back, and opens it.
func TestEditor_AutosaveWorkingCopyIsOfferedBack(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	w := e.send(t, "/en/editor/save", newArticleForm("Autosaved Article", "Saved text."))
	page := editorSaved(t, w, w.Code, "saved")
	d := doc(t, e.open(t, page, nil))
	f := url.Values{}
	for _, name := range []string{"article", "base", "lang"} {
		f.Set(name, d.Find(`#editor-form input[name="`+name+`"]`).AttrOr("value", ""))
	}
	f.Set("title", "Autosaved Article")
	f.Set("body", "Saved text, and half a sentence more")
	wantStatus(t, e.send(t, "/en/editor/autosave", f), http.StatusNoContent)
	d = doc(t, e.open(t, page, nil))
	wantText(t, d.Find("#working-notice"), "Autosave kept unsaved changes")
	wantText(t, d.Find("#ed-body"), "Saved text.")
	d = doc(t, e.open(t, page+"?working=1", nil))
	wantText(t, d.Find("#ed-body"), "half a sentence more")
}

// A slug change keeps the old address as a 301; unpublishing answers 410
// with search and links, or 301 to the chosen replacement.
func TestEditor_SlugChangeRedirectsAndArchiveIsGone(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	f := newArticleForm("Moving Article", "Text.")
	f.Set("action", "publish")
	w := e.send(t, "/en/editor/save", f)
	page := editorSaved(t, w, w.Code, "published")
	d := doc(t, e.open(t, page, nil))
	f.Set("article", d.Find(`#editor-form input[name="article"]`).AttrOr("value", ""))
	f.Set("base", d.Find(`#editor-form input[name="base"]`).AttrOr("value", ""))
	f.Set("slug", "moved-article")
	w = e.send(t, "/en/editor/save", f)
	editorSaved(t, w, w.Code, "published")
	if doc(t, e.open(t, page, nil)).Find("#pending-note").Length() != 0 {
		t.Error("a published head says it is not published")
	}
	w = a.get(t, "/en/articles/moving-article")
	wantStatus(t, w, http.StatusMovedPermanently)
	if loc := w.Header().Get("Location"); loc != "/en/articles/moved-article" {
		t.Errorf("old address → %q", loc)
	}
	wantStatus(t, a.get(t, "/en/articles/moved-article"), http.StatusOK)

	w = e.send(t, page+"/publish", url.Values{"action": {"unpublish"}})
	editorSaved(t, w, w.Code, "unpublished")
	for _, slug := range []string{"moved-article", "moving-article"} {
		w = a.get(t, "/en/articles/"+slug)
		wantStatus(t, w, http.StatusGone)
		d = doc(t, w)
		wantText(t, d.Find("main h1"), "This article was removed")
		wantCount(t, d, `main form[action="/en/search"] input[name="q"]`, 1)
		wantCount(t, d, `main a[href="/en/"]`, 1)
	}
	if doc(t, a.get(t, "/en/search?q=moving")).Find(`a[href="/en/articles/moved-article"]`).Length() != 0 {
		t.Error("search finds an archived article")
	}
	w = e.send(t, page+"/publish", url.Values{"action": {"unpublish"}, "replacement": {"what-is-a-usercode"}})
	editorSaved(t, w, w.Code, "unpublished")
	w = a.get(t, "/en/articles/moved-article")
	wantStatus(t, w, http.StatusMovedPermanently)
	if loc := w.Header().Get("Location"); loc != "/en/articles/what-is-a-usercode" {
		t.Errorf("archived → %q", loc)
	}
	// Unknown addresses stay 404.
	wantStatus(t, a.get(t, "/en/articles/never-was-here"), http.StatusNotFound)
}

// History: the revisions with author and note, a word diff between two, and
// restoring an old one as a new revision.
func TestEditor_HistoryDiffAndRestore(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	w := e.send(t, "/en/editor/save", newArticleForm("History Article", "The old wording stays."))
	page := editorSaved(t, w, w.Code, "saved")
	d := doc(t, e.open(t, page, nil))
	f := newArticleForm("History Article", "The new wording stays.")
	f.Set("article", d.Find(`#editor-form input[name="article"]`).AttrOr("value", ""))
	f.Set("base", d.Find(`#editor-form input[name="base"]`).AttrOr("value", ""))
	f.Set("slug", "history-article")
	f.Set("note", "reworded")
	w = e.send(t, "/en/editor/save", f)
	editorSaved(t, w, w.Code, "saved")

	d = doc(t, e.open(t, page+"/history", nil))
	rows := d.Find("#history tbody tr")
	if rows.Length() != 2 {
		t.Fatalf("revisions = %d", rows.Length())
	}
	wantText(t, rows.First(), "reworded")
	wantText(t, rows.First(), "Eda Editor")
	wantText(t, d.Find("#word-diff del"), "old")
	wantText(t, d.Find("#word-diff ins"), "new")
	restore := d.Find(`form[action$="/restore"]`)
	if restore.Length() != 1 {
		t.Fatal("no restore form")
	}
	r := url.Values{"revision": {restore.Find(`input[name="revision"]`).AttrOr("value", "")},
		"base": {restore.Find(`input[name="base"]`).AttrOr("value", "")}}
	w = e.send(t, page+"/restore", r)
	editorSaved(t, w, w.Code, "restored")
	d = doc(t, e.open(t, page, nil))
	wantText(t, d.Find("#ed-body"), "The old wording stays.")
	d = doc(t, e.open(t, page+"/history", nil))
	if d.Find("#history tbody tr").Length() != 3 {
		t.Error("restoring did not add a revision")
	}
	wantText(t, d.Find("#history tbody tr").First(), "Restored from revision")
	// Restoring from a stale head is refused, nothing written.
	w = e.send(t, page+"/restore", r)
	wantStatus(t, w, http.StatusConflict)
}

// Scheduling refuses a past time and waits for the server's clock.
func TestEditor_ScheduleRefusesThePast(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	w := e.send(t, "/en/editor/save", newArticleForm("Later Article", "Text for later."))
	page := editorSaved(t, w, w.Code, "saved")
	w = e.send(t, page+"/publish", url.Values{"action": {"schedule"}, "publish_at": {"2001-01-01T10:00"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "in the future")
	at := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04")
	w = e.send(t, page+"/publish", url.Values{"action": {"schedule"}, "publish_at": {at}})
	editorSaved(t, w, w.Code, "scheduled")
	d := doc(t, e.open(t, page, nil))
	wantText(t, d.Find(".editor-links"), "State: scheduled")
	wantCount(t, d, "#scheduled-at time", 1)
	wantStatus(t, a.get(t, "/en/articles/later-article"), http.StatusNotFound)
}

// A long article in a non-Latin script (URL-encoded, three times its bytes)
// is within the writing form's bound.
func TestEditor_LongNonLatinArticleSaves(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	body := strings.Repeat("نص طويل جدا ", 2700) // 56,700 bytes
	f := newArticleForm("مقالة طويلة", body)
	f.Set("lang", "ar")
	f.Set("slug", "long-article")
	w := e.send(t, "/ar/editor/save", f)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status = %d", w.Code)
	}
	f.Set("body", body+strings.Repeat("x", 4000))
	w = e.send(t, "/ar/editor/save", f)
	wantStatus(t, w, http.StatusBadRequest)
	d := doc(t, w)
	wantCount(t, d, `html[dir="rtl"]`, 1)
	if !strings.HasPrefix(d.Find("#ed-body").Text(), "نص طويل") {
		t.Error("the refused text was not kept")
	}
}

// Publishing reaches the home page's lists at once (the catalog's version
// changes, so no cached page outlives it).
func TestEditor_PublishingReachesTheHomePage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	home := a.get(t, "/en/")
	wantStatus(t, home, http.StatusOK)
	if strings.Contains(home.Body.String(), "/en/articles/brand-new-question") {
		t.Fatal("already on the home page")
	}
	f := newArticleForm("Brand New Question", "An answer.")
	f.Set("category", "faq")
	f.Set("action", "publish")
	w := e.send(t, "/en/editor/save", f)
	editorSaved(t, w, w.Code, "published")
	wantCount(t, doc(t, a.get(t, "/en/")), `main a[href="/en/articles/brand-new-question"]`, 1)
}

// Without a cookie every page carries the session's token in its forms and
// never in a link; a change answers with the page itself.
func TestEditor_CookielessSessionWritesAndPublishes(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", false)
	d := doc(t, e.send(t, "/en/editor/new", nil))
	wantCount(t, d, `#editor-form input[name="token"]`, 1)
	f := newArticleForm("Cookieless Article", "Text.")
	f.Set("action", "publish")
	w := e.send(t, "/en/editor/save", f)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find("#editor-notice"), "visitors see it now")
	for _, sel := range []string{"#editor-form", `form[action$="/publish"]`, `.desk-menu form[action="/en/editor/articles"]`, `.editor-links form[action$="/history"]`} {
		wantCount(t, d, sel+` input[name="token"]`, 1)
	}
	html, _ := d.Html()
	token := e.token
	d.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.AttrOr("href", ""), token) {
			t.Errorf("a link holds the token: %s", s.AttrOr("href", ""))
		}
	})
	if !strings.Contains(html, token) {
		t.Error("the page lost the token")
	}
	wantStatus(t, a.get(t, "/en/articles/cookieless-article"), http.StatusOK)
	w = e.send(t, "/en/editor/articles", url.Values{"q": {"cookieless"}})
	wantStatus(t, w, http.StatusOK)
	wantCount(t, doc(t, w), `table.editor-list tbody tr form input[name="token"]`, 1)
}
