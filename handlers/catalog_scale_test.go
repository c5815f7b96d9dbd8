package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/kb"
)

// Issue 13, "Scale": a category with more articles than a page shows.

// withLargeSetup is the demo with n more published articles in Set Up
// (positions after the demo's), imported as an editor's export would be.
func withLargeSetup(t *testing.T, n int) *testApp {
	t.Helper()
	a := newTestApp(t)
	src := fstest.MapFS{}
	for i := range n {
		src[fmt.Sprintf("en/bulk-%03d.md", i)] = &fstest.MapFile{Data: fmt.Appendf(nil,
			"+++\nkey = \"bulk-%03d\"\ncategory = \"setup\"\nposition = %d\ntitle = \"Bulk setup step %03d\"\ndescription = \"Step %d.\"\npublished = 2026-05-01\n+++\nStep %d of the bulk setup.\n",
			i, 100+i, i, i, i)}
	}
	if _, err := a.kb.Import(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	return a
}

func entryTitles(d *goquery.Document, list string) []string {
	var out []string
	d.Find("#" + list + "-list .entry-title").Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
	return out
}

func TestSection_PaginatesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	a := withLargeSetup(t, 60) // 3 demo + 60: pages of 50 and 13

	w := a.get(t, "/en/sections/setup")
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	if got := entryTitles(d, "setup"); len(got) != sectionPageLength || got[sectionPageLength-1] != "Bulk setup step 046" {
		t.Fatalf("page 1 lists %d: last %q", len(got), got[len(got)-1])
	}
	if href, _ := d.Find(`link[rel="canonical"]`).Attr("href"); !strings.HasSuffix(href, "/en/sections/setup") {
		t.Fatalf("page 1 canonical %q", href)
	}
	if href, _ := d.Find(`head link[rel="next"]`).Attr("href"); !strings.HasSuffix(href, "/en/sections/setup?page=2") {
		t.Fatalf("page 1 rel=next %q", href)
	}
	if d.Find(`head link[rel="prev"]`).Length() != 0 {
		t.Fatal("page 1 has a rel=prev")
	}
	next, ok := d.Find(`nav.pagination a[rel="next"]`).Attr("href")
	if !ok || next != "/en/sections/setup?page=2" {
		t.Fatalf("no next page link: %q", next)
	}

	w = a.get(t, next)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	got := entryTitles(d, "setup")
	if len(got) != 13 || got[0] != "Bulk setup step 047" || got[12] != "Bulk setup step 059" {
		t.Fatalf("page 2 lists %v", got)
	}
	if href, _ := d.Find(`link[rel="canonical"]`).Attr("href"); !strings.HasSuffix(href, "/en/sections/setup?page=2") {
		t.Fatalf("page 2 canonical %q", href)
	}
	if href, _ := d.Find(`head link[rel="prev"]`).Attr("href"); !strings.HasSuffix(href, "/en/sections/setup") {
		t.Fatalf("page 2 rel=prev %q", href)
	}
	if d.Find(`head link[rel="next"]`).Length() != 0 {
		t.Fatal("the last page has a rel=next")
	}
	if cur := d.Find(`nav.pagination a[aria-current="page"]`).Text(); cur != "2" {
		t.Fatalf("current page %q", cur)
	}
	// "Expand all" without JavaScript opens this page, not the first.
	expand, _ := d.Find("#setup [data-expand-all]").Attr("href")
	if expand != "/en/sections/setup?open=setup&page=2#setup" {
		t.Fatalf("expand all leads to %q", expand)
	}
	w = a.get(t, strings.TrimSuffix(expand, "#setup"))
	wantStatus(t, w, http.StatusOK)
	if n := doc(t, w).Find("#setup-list details[open]").Length(); n != 13 {
		t.Fatalf("page 2 expanded shows %d open articles", n)
	}

	for _, bad := range []string{"?page=3", "?page=0", "?page=-1", "?page=two", "?page=99999999999"} {
		w := a.get(t, "/en/sections/setup"+bad)
		wantStatus(t, w, http.StatusNotFound)
	}

	// The sitemap still lists every article, whatever the pages.
	w = a.get(t, "/sitemap.xml")
	wantStatus(t, w, http.StatusOK)
	for _, slug := range []string{"bulk-000", "bulk-046", "bulk-059"} {
		if !strings.Contains(w.Body.String(), "/en/articles/"+slug+"</loc>") {
			t.Fatalf("sitemap lacks %s", slug)
		}
	}
}

func TestHome_SetupPanelIsBoundedAndLinksTheSection(t *testing.T) {
	t.Parallel()
	a := withLargeSetup(t, 20)
	d := doc(t, a.get(t, "/en/"))
	if got := entryTitles(d, "setup"); len(got) != homeSetupLength {
		t.Fatalf("the home page lists %d Set Up articles, want %d", len(got), homeSetupLength)
	}
	if href, _ := d.Find("#setup .entries-more a").Attr("href"); href != "/en/sections/setup" {
		t.Fatalf("no link to the whole section: %q", href)
	}
	// Expanded without JavaScript: the same bounded list, opened.
	d = doc(t, a.get(t, "/en/?open=setup"))
	if n := d.Find("#setup-list details[open]").Length(); n != homeSetupLength {
		t.Fatalf("expanded Set Up shows %d", n)
	}

	// At demo size: every article, no link, no pagination.
	demo := newTestApp(t)
	d = doc(t, demo.get(t, "/en/"))
	if d.Find(".entries-more").Length() != 0 || len(entryTitles(d, "setup")) != len(demo.kb.Section("en", "setup")) {
		t.Fatal("the demo's home page changed")
	}
	d = doc(t, demo.get(t, "/en/sections/faq"))
	if d.Find("nav.pagination").Length() != 0 || d.Find(`link[rel="next"]`).Length() != 0 {
		t.Fatal("a demo section is paginated")
	}
}

// publishEdit publishes a small edit of the English article at slug.
func publishEdit(t *testing.T, a *testApp, slug string) {
	t.Helper()
	ctx := context.Background()
	id := mustArticleID(t, a, slug)
	ed, err := a.kb.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	d := ed.Head.Draft
	d.Body += "\n\nEdited."
	rev, err := a.kb.Save(ctx, kb.Author{Name: "Eda Editor"}, id, ed.Head.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.kb.Publish(ctx, id, "en", rev.ID); err != nil {
		t.Fatal(err)
	}
}

// The thanks after a vote shows the tally, which votes change without a new
// catalog version: each voter sees the count with their vote in it.
func TestFeedback_ThanksShowsTheTallyOfNow(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	tally := func() string {
		t.Helper()
		w := a.get(t, "/en/articles/reset-account?voted=yes")
		wantStatus(t, w, http.StatusOK)
		if w.Header().Get("ETag") != "" {
			t.Fatal("the thanks page was kept")
		}
		return doc(t, w).Find(".feedback .hint").First().Text()
	}
	before := tally()
	for i, addr := range []string{"198.51.100.20:1", "198.51.100.21:1"} {
		r := httptest.NewRequest(http.MethodPost, "/en/articles/reset-account/feedback", strings.NewReader("helpful=yes"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = addr
		wantStatus(t, a.do(t, r), http.StatusSeeOther)
		if now := tally(); now == before {
			t.Fatalf("vote %d: the thanks still says %q", i+1, now)
		} else {
			before = now
		}
	}
}
