package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func search(t *testing.T, a *testApp, q string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	return a.get(t, "/en/search?q="+url.QueryEscape(q), headers...)
}

func TestSearch_RanksAndHighlights(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := search(t, a, "reset account")
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	first := wantCount(t, d, "ol.results li a.result-title", 1).First()
	if href := first.AttrOr("href", ""); href != "/en/articles/reset-account" {
		t.Fatalf("first hit %q, want the reset-account article", href)
	}
	wantCount(t, d, "ol.results .snippet mark", 1)
	wantText(t, d.Find("h1"), "reset account")
	if d.Find(`meta[name="robots"][content="noindex"]`).Length() != 1 {
		t.Fatal("search pages must not be indexed")
	}
}

func TestSearch_AsYouTypeIsAFragmentWithPrefixMatching(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := search(t, a, "passw", "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	if strings.Contains(w.Body.String(), "<html") {
		t.Fatal("as-you-type got a whole page")
	}
	d := doc(t, w)
	hits := wantCount(t, d, "ol.results li", 1)
	if hits.Length() > liveResults {
		t.Fatalf("%d live results, want at most %d", hits.Length(), liveResults)
	}
	wantText(t, d.Find("mark"), "password")
	wantCount(t, d, `a[href="/en/search?q=passw"]`, 1)
}

func TestSearch_TypoFindsPasswordArticlesWithDidYouMean(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	d := doc(t, search(t, a, "pasword"))
	wantText(t, d.Find(".did-you-mean"), "password")
	wantCount(t, d, "ol.results li", 1)
}

func TestSearch_NothingFoundOffersSupportAndPopular(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	d := doc(t, search(t, a, "xylophone quantum"))
	wantText(t, d.Find(".no-results"), "No article matches")
	wantCount(t, d, `.no-results a[href="/en/support?question=xylophone+quantum"]`, 1)
	wantCount(t, d, ".no-results ul li a", 3)
}

func TestSearch_SubmittedQueriesAreLoggedWithoutPersonalData(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	search(t, a, "lost access jane@example.com")
	search(t, a, "lost acc", "HX-Request", "true") // a keystroke, not a search
	if err := a.kb.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows, err := a.db.Read.Query(`SELECT query FROM search_queries`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var logged []string
	for rows.Next() {
		var q string
		rows.Scan(&q)
		logged = append(logged, q)
	}
	if len(logged) != 1 || strings.Contains(logged[0], "jane") || !strings.Contains(logged[0], "lost access") {
		t.Fatalf("logged %q; want one query without the e-mail address", logged)
	}
}

func TestSearch_HostileInputNeverFails(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, q := range []string{
		`"`, `***`, `password"`, `NEAR(a b)`, `title:reset`, `-`, `^x`, `(((`, `AND OR NOT`, `'; DROP TABLE articles; --`,
		"\xff\xfe broken utf8 password", "   ", "<script>alert(1)</script>",
	} {
		w := search(t, a, q)
		if w.Code != http.StatusOK {
			t.Errorf("query %q answered %d", q, w.Code)
		}
		if strings.Contains(w.Body.String(), "<script>alert") {
			t.Errorf("query %q was echoed unescaped", q)
		}
	}
	w := search(t, a, strings.Repeat("password ", 1200))
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("[role=alert]"), "too long")
	w = search(t, a, strings.Repeat("a", 10<<10), "HX-Request", "true")
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("[role=alert]"), "too long")
}
