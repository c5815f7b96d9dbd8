package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestHealthz_AnswersOK(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/healthz")
	wantStatus(t, w, http.StatusOK)
	if w.Body.String() != "ok" {
		t.Fatalf("body = %q, want ok", w.Body.String())
	}
}

func TestRoot_RedirectsToTheBrowsersLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/?size=3", "Accept-Language", "sv-SE, sv;q=0.9, en;q=0.8")
	wantStatus(t, w, http.StatusFound)
	if loc := w.Header().Get("Location"); loc != "/en/?size=3" {
		t.Fatalf("Location = %q, want /en/?size=3", loc)
	}
	if !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Accept-Language") {
		t.Fatal("the redirect must vary on Accept-Language")
	}
	w = a.get(t, "/en")
	wantStatus(t, w, http.StatusMovedPermanently)
	if loc := w.Header().Get("Location"); loc != "/en/" {
		t.Fatalf("/en redirects to %q, want /en/", loc)
	}
}

func TestHome_HasEveryPartOfThePortal(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/en/")
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)

	if d.Find("html").AttrOr("lang", "") != "en" || d.Find("html").AttrOr("dir", "") != "ltr" {
		t.Fatal("html lang/dir missing")
	}
	// A scripting HTML parser reads <noscript> as text, as a browser with JavaScript does.
	wantText(t, wantCount(t, d, "header noscript", 1), "turn on JavaScript")
	wantCount(t, d, `nav.text-size a[data-text-size-step="-1"][href]`, 1)
	wantCount(t, d, `nav.text-size a[data-text-size-step="1"][href]`, 1)
	wantCount(t, d, `form.language select[name="to"] option[value="en"]`, 1)
	wantText(t, wantCount(t, d, "#user-area-title", 1), "User Area")
	wantText(t, wantCount(t, d, `a[href="/en/login"]`, 1), "Choose login type")
	for href, label := range map[string]string{
		"/en/reset": "Reset Account", "/en/recover": "Recover Account", "/en/support": "Support Ticket",
		"/en/sections/howto": "How-To", "/en/sections/documents": "Documents", "/en/articles/contact-us": "Contact Us",
		"/en/browser-test": "Browser Test",
	} {
		wantText(t, wantCount(t, d, `aside a[href="`+href+`"]`, 1), label)
	}
	wantText(t, wantCount(t, d, "#view-panel-title", 1), "Browse the help articles")
	for _, id := range []string{"setup", "popular", "latest"} {
		wantCount(t, d, "#"+id+" details[data-hx-get][data-hx-trigger='toggle once'] > summary", 1)
		wantCount(t, d, "#"+id+" a[data-expand-all][href*='open="+id+"']", 1)
	}
	wantCount(t, d, "#setup details", 3)
	wantCount(t, d, "#popular details", 6)
	wantCount(t, d, "#latest details", 4) // the demo's 10 FAQ articles less Popular's 6
	wantCount(t, d, `#comments a[href="/en/support?kind=comment"]`, 1)
	// The footer is the Technical Notes category's articles, in its order
	// (their titles: the fixed list of short labels before issue 13 named
	// the same eight articles).
	notes := wantCount(t, d, "footer nav ul.notes a", 8)
	var labels []string
	notes.Each(func(_ int, s *goquery.Selection) { labels = append(labels, s.AttrOr("href", "")+" "+s.Text()) })
	if got := strings.Join(labels, "|"); got != "/en/articles/overview Technical overview|/en/articles/key-features Key features|/en/articles/security Security design|/en/articles/usability Usability|"+
		"/en/articles/compliance Compliance: how zerodesk supports HIPAA|/en/articles/experience The zerodesk experience|/en/articles/why-zerodesk Why zerodesk?|"+
		"/en/articles/red-flags Red flags: warning signs of phishing and unsafe support" {
		t.Fatalf("Technical Notes = %q", got)
	}
	wantCount(t, d, "footer .notes-more", 0)
	wantCount(t, d, `header form[role="search"][action="/en/search"] input[name="q"][data-hx-get="/en/search"]`, 1)
	wantCount(t, d, "main#main", 1)
	wantCount(t, d, "a.skip-link[href='#main']", 1)
}

func TestHome_WithoutJavaScriptEveryEntryLinksItsArticle(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	d := doc(t, a.get(t, "/en/"))
	d.Find("details").Each(func(_ int, s *goquery.Selection) {
		href, ok := s.Find(".entry-body a").Attr("href")
		if !ok || !strings.HasPrefix(href, "/en/articles/") {
			t.Fatalf("entry %q has no link to its article page", s.Find("summary").Text())
		}
		if s.AttrOr("data-hx-get", "") != href {
			t.Fatalf("entry loads %q but links %q", s.AttrOr("data-hx-get", ""), href)
		}
	})
}

func TestHome_ExpandAllWithoutJavaScript(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	d := doc(t, a.get(t, "/en/?open=setup"))
	open := wantCount(t, d, "#setup details[open]", 3)
	wantCount(t, d, "#setup details[open] .prose", 3)
	if open.Length() != d.Find("#setup details").Length() {
		t.Fatal("not every Set Up entry is open")
	}
	if d.Find("#popular details[open]").Length() != 0 {
		t.Fatal("expanding Set Up opened Popular too")
	}
	wantCount(t, d, "#setup a[data-collapse-all][href='/en/#setup']", 1)
}

func TestArticle_PageHasPermanentURLTitleAndDescription(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/en/articles/reset-account")
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	title := d.Find("h1").Text()
	if title == "" || !strings.Contains(d.Find("title").Text(), title) {
		t.Fatalf("page title %q does not name the article %q", d.Find("title").Text(), title)
	}
	if desc := d.Find(`meta[name="description"]`).AttrOr("content", ""); len(desc) < 20 {
		t.Fatalf("meta description %q", desc)
	}
	if c := d.Find(`link[rel="canonical"]`).AttrOr("href", ""); c != "/en/articles/reset-account" {
		t.Fatalf("canonical = %q", c)
	}
	wantCount(t, d, "article .prose h2, article .prose p", 2)
	wantCount(t, d, "aside.related li a[href^='/en/articles/']", 2)
	wantCount(t, d, `form[method="post"][action="/en/articles/reset-account/feedback"] button[name="helpful"]`, 2)
	wantCount(t, d, "nav.breadcrumbs a[href='/en/sections/howto']", 1)
	if !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "HX-Request") {
		t.Fatal("article responses must vary on HX-Request")
	}
}

func TestArticle_HTMXGetsTheBodyFragmentOnly(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/en/articles/reset-account", "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	if strings.Contains(body, "<html") || strings.Contains(body, "<aside") {
		t.Fatal("the fragment carries the page frame")
	}
	d := doc(t, w)
	wantCount(t, d, ".prose", 1)
	wantCount(t, d, `a[href="/en/articles/reset-account"]`, 1)
	wantCount(t, d, `form[data-hx-post="/en/articles/reset-account/feedback"][data-hx-target="closest .feedback"]`, 1)
	// A boosted navigation is a page, not a fragment.
	w = a.get(t, "/en/articles/reset-account", "HX-Request", "true", "HX-Boosted", "true")
	if !strings.Contains(w.Body.String(), "<html") {
		t.Fatal("a boosted request must get the whole page")
	}
}

func TestArticle_ReadsAreCountedAndOrderPopular(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx := context.Background()
	before := a.kb.Popular("en", 1)[0].Slug
	target := "ticket-without-account"
	if before == target {
		target = "what-is-stored"
	}
	for range 5 {
		wantStatus(t, a.get(t, "/en/articles/"+target, "HX-Request", "true"), http.StatusOK)
	}
	if err := a.kb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	d := doc(t, a.get(t, "/en/"))
	first := d.Find("#popular details summary").First().Text()
	art, _ := a.kb.Article("en", target)
	if !strings.Contains(first, art.Title) {
		t.Fatalf("most popular is %q, want %q after 5 reads", first, art.Title)
	}
	var views int64
	if err := a.db.Read.QueryRow(`SELECT views FROM articles WHERE key = $1`, target).Scan(&views); err != nil {
		t.Fatal(err)
	}
	if views != 5 {
		t.Fatalf("stored views = %d, want 5", views)
	}
}

func TestArticle_UnknownIsAHelpful404(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/en/articles/no-such-article")
	wantStatus(t, w, http.StatusNotFound)
	d := doc(t, w)
	wantText(t, d.Find("main"), "does not exist")
	wantCount(t, d, `main form[role="search"]`, 1)
	wantCount(t, d, `main a[href="/en/support"]`, 1)
}

func TestSection_ListsItsArticles(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	d := doc(t, a.get(t, "/en/sections/howto"))
	wantText(t, d.Find("h1"), "How-To")
	wantCount(t, d, "#howto details", 8)
	wantStatus(t, a.get(t, "/en/sections/nonsense"), http.StatusNotFound)
	d = doc(t, a.get(t, "/en/sections/howto?open=howto"))
	wantCount(t, d, "#howto details[open] .prose", 8)
}

func TestFeedback_WithoutJavaScriptRedirectsToThanks(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.post(t, "/en/articles/reset-account/feedback", url.Values{"helpful": {"yes"}})
	wantStatus(t, w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	if loc != "/en/articles/reset-account?voted=yes#feedback" {
		t.Fatalf("Location = %q", loc)
	}
	d := doc(t, a.get(t, strings.Split(loc, "#")[0]))
	wantText(t, d.Find(".feedback"), "Thank you")
	wantText(t, d.Find(".feedback"), "1 of 1")
}

func TestFeedback_HTMXSwapsTheThanksAndCountsOncePerAddress(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for range 3 {
		w := a.post(t, "/en/articles/reset-account/feedback", url.Values{"helpful": {"yes"}}, "HX-Request", "true")
		wantStatus(t, w, http.StatusOK)
		d := doc(t, w)
		wantCount(t, d, ".feedback [data-autofocus]", 1)
		wantText(t, d.Find(".feedback"), "1 of 1")
	}
	r := httptest.NewRequest(http.MethodPost, "/en/articles/reset-account/feedback", strings.NewReader("helpful=no"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("HX-Request", "true")
	r.RemoteAddr = "203.0.113.9:5555"
	w := a.do(t, r)
	wantText(t, doc(t, w).Find(".feedback"), "1 of 2")
}

func TestFeedback_BadAnswerIsAClearError(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.post(t, "/en/articles/reset-account/feedback", url.Values{"helpful": {"maybe"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("main"), "Please answer yes or no")
}

func TestFeedback_CrossSitePostIsRefused(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, hdr := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		r := httptest.NewRequest(http.MethodPost, "/en/articles/reset-account/feedback", strings.NewReader("helpful=yes"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set(hdr[0], hdr[1])
		w := a.do(t, r)
		wantStatus(t, w, http.StatusForbidden)
		wantText(t, doc(t, w).Find("main"), "sent from another website")
	}
	var votes int
	a.db.Read.QueryRow(`SELECT count(*) FROM article_votes`).Scan(&votes)
	if votes != 0 {
		t.Fatal("a refused cross-site post was counted")
	}
}

func TestFeedback_OneAddressIsRateLimited(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.h.VoteLimit = 3
	a.e = a.h.Echo()
	var last int
	for range 5 {
		last = a.post(t, "/en/articles/reset-account/feedback", url.Values{"helpful": {"yes"}}).Code
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("the 5th vote in a row answered %d, want 429", last)
	}
}

func TestFeedback_GETChangesNothing(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/en/articles/reset-account/feedback?helpful=yes")
	if w.Code == http.StatusOK || w.Code == http.StatusSeeOther {
		t.Fatalf("GET on the feedback URL answered %d", w.Code)
	}
	var votes int
	a.db.Read.QueryRow(`SELECT count(*) FROM article_votes`).Scan(&votes)
	if votes != 0 {
		t.Fatal("a GET voted")
	}
}

// Issue 10: Popular and Latest showed the same articles on the home page.
func TestHome_PopularAndLatestShowDifferentArticles(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, path := range []string{"/en/", "/ar/"} {
		d := doc(t, a.get(t, path))
		popular := map[string]bool{}
		wantCount(t, d, "#popular details", 1).Each(func(_ int, s *goquery.Selection) {
			popular[s.AttrOr("id", "")[len("e-popular-"):]] = true
		})
		wantCount(t, d, "#latest details", 1).Each(func(_ int, s *goquery.Selection) {
			if slug := s.AttrOr("id", "")[len("e-latest-"):]; popular[slug] {
				t.Errorf("%s: %s is in Popular and in Latest", path, slug)
			}
		})
	}
}
