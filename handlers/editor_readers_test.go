package handlers

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/kb"
)

// "Not helpful" may carry a reason from a fixed list: without JavaScript
// through the redirect's page, with HTMX as a fragment that keeps the focus
// on the thanks; a reason outside the list is refused.
func TestFeedback_NotHelpfulCarriesAReasonFromAFixedList(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	const page = "/en/articles/reset-account"

	w := a.post(t, page+"/feedback", url.Values{"helpful": {"no"}})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != page+"?voted=no#feedback" {
		t.Fatalf("Location = %q", loc)
	}
	d := doc(t, a.get(t, page+"?voted=no"))
	form := wantCount(t, d, `.feedback form.feedback-reason[method="post"][action="`+page+`/feedback"]`, 1)
	if form.Find(`input[type="radio"][name="reason"][required]`).Length() != len(kb.Reasons) {
		t.Fatalf("reason radios: %d", form.Find(`input[name="reason"]`).Length())
	}
	if form.Find(`input[type="text"], textarea`).Length() != 0 {
		t.Fatal("a reason can be typed")
	}
	wantText(t, form.Find("legend"), "What was wrong?")
	if form.Find(`input[type="hidden"][name="helpful"][value="no"]`).Length() != 1 {
		t.Fatal("no hidden helpful=no")
	}
	wantText(t, form, "It is out of date")
	if d := doc(t, a.get(t, page+"?voted=yes")); d.Find("form.feedback-reason").Length() != 0 {
		t.Fatal("a reason asked after yes")
	}

	w = a.post(t, page+"/feedback", url.Values{"helpful": {"no"}, "reason": {"unclear"}})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != page+"?reason=sent&voted=no#feedback" {
		t.Fatalf("Location = %q", loc)
	}
	d = doc(t, a.get(t, page+"?reason=sent&voted=no"))
	wantText(t, d.Find(".feedback [data-autofocus]"), "Thank you for telling us why")
	wantText(t, d.Find(".feedback"), "0 of 1")

	// With HTMX, from another address: the fragments.
	w = a.post(t, page+"/feedback", url.Values{"helpful": {"no"}}, "HX-Request", "true", "X-Forwarded-For", "203.0.113.9")
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantCount(t, d, `form.feedback-reason[data-hx-post="`+page+`/feedback"][data-hx-target="closest .feedback"]`, 1)
	wantCount(t, d, ".feedback [data-autofocus]", 1)
	w = a.post(t, page+"/feedback", url.Values{"helpful": {"no"}, "reason": {"did_not_work"}}, "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find(".feedback [data-autofocus]"), "Thank you for telling us why")

	for _, bad := range []url.Values{
		{"helpful": {"no"}, "reason": {"my phone is 555-0100"}},
		{"helpful": {"yes"}, "reason": {"unclear"}},
	} {
		if w := a.post(t, page+"/feedback", bad); w.Code != http.StatusBadRequest {
			t.Errorf("%v: %d", bad, w.Code)
		}
	}
	art, _ := a.kb.Article("en", "reset-account")
	reasons, _ := a.kb.ArticleReasons(context.Background(), art.ArticleID, "en", 1)
	got := map[kb.Reason]int64{}
	for _, r := range reasons {
		got[r.Reason] = r.Count
	}
	if got[kb.ReasonUnclear] != 0 || got[kb.ReasonDidNotWork] != 1 {
		// The test requests share one address: its later reason replaced the first.
		t.Logf("reasons = %+v", got)
	}
	if got[kb.ReasonUnclear]+got[kb.ReasonDidNotWork] != 1 {
		t.Fatalf("reasons = %+v", got)
	}
}

// The readers' pages: every article with its numbers, and one article's
// days as two SVG charts (title and description) with the data table and
// the reasons beside them; the numbers per page language.
func TestEditorReaders_NumbersChartsAndTables(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	for range 3 {
		wantStatus(t, a.get(t, "/en/articles/reset-account"), http.StatusOK)
	}
	wantStatus(t, a.get(t, "/ja/articles/reset-account"), http.StatusOK) // shown in English, counted for Japanese
	wantStatus(t, a.post(t, "/en/articles/reset-account/feedback", url.Values{"helpful": {"no"}, "reason": {"outdated"}}), http.StatusSeeOther)
	if err := a.kb.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	w := e.open(t, "/en/editor/readers", nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantCount(t, d, `nav[aria-label="Editor's room menu"] a[href="/en/editor/readers"][aria-current="page"]`, 1)
	row := d.Find(`table.readers-table tbody tr`).First()
	wantCount(t, d, `table.readers-table caption`, 1)
	if link := row.Find(`a[href="/en/editor/readers/reset-account"]`); link.Length() != 1 {
		t.Fatalf("first row: %q", row.Text())
	}
	if cells := row.Find("td"); cells.Eq(0).Text() != "4" || cells.Eq(2).Text() != "1" {
		t.Fatalf("first row numbers: %q", row.Text())
	}

	w = e.open(t, "/en/editor/readers/reset-account", nil)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	for _, id := range []string{"views", "votes"} {
		svg := wantCount(t, d, `svg[role="img"][aria-labelledby="chart-`+id+`-title chart-`+id+`-desc"]`, 1)
		wantCount(t, d, `svg title#chart-`+id+`-title`, 1)
		if strings.TrimSpace(svg.Find("desc").Text()) == "" {
			t.Errorf("%s chart has no description", id)
		}
		if svg.Find("[style]").Length() != 0 || svg.Find("script").Length() != 0 {
			t.Errorf("%s chart has style attributes or script", id)
		}
	}
	wantText(t, d.Find("#chart-views-desc"), "4 in all, at most 4 on")
	if n := d.Find(`svg[aria-labelledby^="chart-views"] rect`).Length(); n != readersDays {
		t.Errorf("%d view bars", n)
	}
	if n := d.Find(`svg[aria-labelledby^="chart-votes"] rect`).Length(); n != 2*readersDays {
		t.Errorf("%d vote bars", n)
	}
	days := wantCount(t, d, "table.days-table tbody tr", readersDays)
	if first := days.First(); first.Find("td").Eq(0).Text() != "4" || first.Find("td").Eq(2).Text() != "1" {
		t.Errorf("today's row: %q", first.Text())
	}
	if r := d.Find("table.reasons-table tbody tr").First(); !strings.Contains(r.Find("th").Text(), "It is out of date") || r.Find("td").Text() != "1" {
		t.Errorf("reasons row: %q", r.Text())
	}
	// One page language at a time.
	wantCount(t, d, `select[name="in"] option[value="ja"]`, 1)
	w = e.open(t, "/en/editor/readers/reset-account", url.Values{"in": {"ja"}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantCount(t, d, `select[name="in"] option[value="ja"][selected]`, 1)
	wantText(t, d.Find("#chart-views-desc"), "1 in all")
	wantText(t, d.Find("#chart-votes-desc"), "0 helpful, 0 not helpful")
	w = e.open(t, "/en/editor/readers/reset-account", url.Values{"in": {"es"}})
	wantText(t, doc(t, w).Find("#chart-views-desc"), "no views")
	if w := e.open(t, "/en/editor/readers/no-such-article", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown article: %d", w.Code)
	}
	// Without 1-Click the same pages through forms carrying the token.
	e2 := signInStaff(t, a, accounts.Editor, "Edb Editor", "edb@example.com", false)
	w = e2.send(t, "/en/editor/readers", nil)
	wantStatus(t, w, http.StatusOK)
	wantCount(t, doc(t, w), `table.readers-table form[action="/en/editor/readers/reset-account"][method="post"] input[name="token"]`, 1)
}

// The searches that found nothing, as the `zerodesk searches` command has
// them: a query only once three different visitors typed it; the others
// only counted.
func TestEditorSearches_ShowsOnlyWhatSeveralVisitorsSearched(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, addr := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		a.kb.RecordSearch("en", "frobnicate the widget", 0, addr)
	}
	a.kb.RecordSearch("en", "hunter2 grandma maiden name", 0, "192.0.2.9")
	a.kb.RecordSearch("fr", "écran bleu", 0, "192.0.2.1")
	if err := a.kb.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", true)
	w := e.open(t, "/en/editor/searches", nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	row := wantCount(t, d, "table.searches-table tbody tr", 1)
	wantText(t, row.Find("th"), "frobnicate the widget")
	if row.Find("td").Eq(0).Text() != "3" {
		t.Errorf("row: %q", row.Text())
	}
	if strings.Contains(w.Body.String(), "hunter2") {
		t.Fatal("a query one visitor typed is shown")
	}
	wantText(t, d.Find("#searches-hidden"), "1 other search")
	// "Write an article for this": the new-article page, prefilled.
	link := row.Find(`a[href^="/en/editor/new?"]`)
	if link.Length() != 1 {
		t.Fatalf("links to write an article: %d", link.Length())
	}
	wantText(t, link, "Write an article for")
	w = e.open(t, link.AttrOr("href", ""), nil)
	wantStatus(t, w, http.StatusOK)
	nd := doc(t, w)
	if got := nd.Find("#ed-title").AttrOr("value", ""); got != "frobnicate the widget" {
		t.Errorf("title = %q", got)
	}
	if got := nd.Find("#ed-keywords").AttrOr("value", ""); got != "frobnicate the widget" {
		t.Errorf("keywords = %q", got)
	}
	if got := nd.Find("#ed-slug").AttrOr("value", ""); got != "frobnicate-the-widget" {
		t.Errorf("slug = %q", got)
	}
	wantCount(t, nd, `#ed-lang option[value="en"][selected]`, 1)
	w = e.open(t, "/en/editor/searches", url.Values{"in": {"fr"}})
	d = doc(t, w)
	wantText(t, d.Find("#searches-none"), "No search in French")
	wantCount(t, d, `select[name="in"] option[value="fr"][selected]`, 1)
}

type atomTestFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  string   `xml:"author>name"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Link    struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

// Each language has an Atom feed of its articles, last changed first, with
// absolute links, linked from its pages; it is built once per catalog version.
func TestFeed_AtomPerLanguageWithAbsoluteLinks(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/es/feed.atom")
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var f atomTestFeed
	if err := xml.Unmarshal(w.Body.Bytes(), &f); err != nil {
		t.Fatalf("not Atom: %v\n%s", err, w.Body.String())
	}
	if f.Lang != "es" || f.ID != "http://example.com/es/feed.atom" || f.Title == "" || f.Author == "" || f.Updated == "" {
		t.Fatalf("feed = %+v", f)
	}
	if len(f.Entries) == 0 {
		t.Fatal("no entries")
	}
	for i, e := range f.Entries {
		if !strings.HasPrefix(e.Link.Href, "http://example.com/es/articles/") || !strings.HasPrefix(e.ID, "http://example.com/es/articles/") || e.Title == "" {
			t.Fatalf("entry %+v", e)
		}
		if i > 0 && e.Updated > f.Entries[i-1].Updated {
			t.Fatalf("entries not last changed first")
		}
		if got := a.get(t, strings.TrimPrefix(e.Link.Href, "http://example.com")); got.Code != http.StatusOK {
			t.Fatalf("%s: %d", e.Link.Href, got.Code)
		}
	}
	if f.Updated != f.Entries[0].Updated {
		t.Errorf("feed updated %s, newest entry %s", f.Updated, f.Entries[0].Updated)
	}
	again := a.get(t, "/es/feed.atom")
	if again.Body.String() != w.Body.String() {
		t.Error("the same catalog gave another feed")
	}
	d := doc(t, a.get(t, "/es/"))
	wantCount(t, d, `head link[rel="alternate"][type="application/atom+xml"][href$="/es/feed.atom"][title]`, 1)
}

// The pages this branch adds, in their states, pass the Nu HTML checker
// (as TestPages_AreValidHTML does for the others).
func TestEditorReadersPages_AreValidHTML(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	wantStatus(t, a.get(t, "/en/articles/reset-account"), http.StatusOK)
	a.post(t, "/en/articles/reset-account/feedback", url.Values{"helpful": {"no"}, "reason": {"outdated"}})
	for _, addr := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		a.kb.RecordSearch("en", "frobnicate", 0, addr)
	}
	a.kb.RecordSearch("en", "one visitor", 0, "192.0.2.4")
	a.kb.Flush(ctx)
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "eda@example.com", false)
	up := uploadAs(t, e, map[string][]byte{"form.jpg": gpsJPEG(t), "guide.pdf": []byte("%PDF-1.4\n%%EOF\n"), "bad.png": []byte("<svg/>")})
	f := storedFiles(t, a)[0]
	name := f.Hash + "." + f.Type.Ext
	pages := map[string][]byte{
		"files after upload":  up.Body.Bytes(),
		"files, alt missing":  e.send(t, "/en/editor/files", url.Values{"file": {name}, "alt": {""}}).Body.Bytes(),
		"files, snippet":      e.send(t, "/en/editor/files", url.Values{"file": {name}, "alt": {"The form"}}).Body.Bytes(),
		"readers":             e.send(t, "/en/editor/readers", nil).Body.Bytes(),
		"readers of one":      e.send(t, "/en/editor/readers/reset-account", url.Values{"in": {"en"}}).Body.Bytes(),
		"searches":            e.send(t, "/en/editor/searches", nil).Body.Bytes(),
		"searches, none (ar)": e.send(t, "/ar/editor/searches", nil).Body.Bytes(),
		"article, reason":     a.get(t, "/en/articles/reset-account?voted=no").Body.Bytes(),
		"article, reason ok":  a.get(t, "/en/articles/reset-account?reason=sent&voted=no").Body.Bytes(),
	}
	dir := t.TempDir()
	names := map[string]string{}
	var files []string
	for n, body := range pages {
		file := filepath.Join(dir, fmt.Sprintf("%02d.html", len(files)))
		if err := os.WriteFile(file, body, 0o644); err != nil {
			t.Fatal(err)
		}
		names["file:"+file] = n
		files = append(files, file)
	}
	for _, m := range runVNU(t, files) {
		if m.Type == "error" || m.SubType == "fatal" {
			t.Errorf("%s:%d: %s\n\t%s", names[m.URL], m.Line, m.Message, strings.TrimSpace(m.Extract))
		}
	}
}
