package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"
)

// Every page a visitor can reach, for the checks that hold on all of them.
var visitorPages = []string{
	"/en/", "/en/?open=latest", "/en/articles/reset-account", "/en/sections/documents",
	"/en/search?q=password", "/en/search?q=zzzzqqq", "/en/login", "/en/login/user", "/en/register", "/en/reset",
	"/en/recover", "/en/support", "/en/browser-test", "/en/no/such/page", "/nothing-here",
	"/ar/", "/ar/articles/reset-account", "/es/search?q=contrase%C3%B1a", "/zh-Hans/search?q=%E5%AF%86%E7%A0%81",
	"/ja/sections/technotes", "/language?to=es&from=/en/", "/es/articles/what-is-stored", "/healthz",
}

func TestAnonymousVisitor_GetsNoCookieAnywhere(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, p := range visitorPages {
		w := a.get(t, p)
		if c := w.Header().Values("Set-Cookie"); len(c) > 0 {
			t.Errorf("%s set a cookie: %v", p, c)
		}
	}
	w := a.post(t, "/en/articles/reset-account/feedback", url.Values{"helpful": {"yes"}})
	if c := w.Header().Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("voting set a cookie: %v", c)
	}
}

func TestSecurityHeaders_OnEveryResponse(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	css := a.h.Assets.URL("css/app.css")
	for _, p := range append(visitorPages, css) {
		w := a.get(t, p)
		h := w.Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline or eval: %q", p, csp)
		}
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", p, name, got, want)
			}
		}
	}
}

func TestPages_HaveNoInlineScriptOrStyle(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, p := range visitorPages[:len(visitorPages)-1] {
		d := doc(t, a.get(t, p))
		d.Find("script").Each(func(_ int, s *goquery.Selection) {
			if _, ok := s.Attr("src"); !ok || strings.TrimSpace(s.Text()) != "" {
				t.Errorf("%s has an inline script", p)
			}
		})
		if d.Find("style, [style], [onclick], [onload], [hx-on], [data-hx-on]").Length() > 0 {
			t.Errorf("%s has inline style or handlers", p)
		}
	}
}

func TestNotFound_IsHelpfulAndLocalized(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, p := range []string{"/en/no/such/page", "/nothing-here", "/xx/articles/reset-account"} {
		w := a.get(t, p)
		wantStatus(t, w, http.StatusNotFound)
		d := doc(t, w)
		wantText(t, d.Find("h1"), "Page not found")
		wantCount(t, d, `main form[role="search"] input[name="q"]`, 1)
		wantCount(t, d, `main a[href="/en/support"]`, 1)
		wantCount(t, d, `aside a[href="/en/support"]`, 1)
		if d.Find(`meta[name="robots"][content="noindex"]`).Length() != 1 {
			t.Errorf("%s: error pages must not be indexed", p)
		}
	}
}

func TestErrors_NeverShowAStackTrace(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.e.GET("/en/boom", func(echo.Context) error { panic("secret internals") })
	w := a.get(t, "/en/boom")
	wantStatus(t, w, http.StatusInternalServerError)
	body := w.Body.String()
	if strings.Contains(body, "secret internals") || strings.Contains(body, "goroutine") || strings.Contains(body, ".go:") {
		t.Fatal("the error page leaks internals")
	}
	wantText(t, doc(t, w).Find("h1"), "Something went wrong")
	if !strings.Contains(a.logs.String(), "secret internals") {
		t.Fatal("the 500 was not logged with its cause")
	}
}

func TestTextSize_TravelsInLinksWithoutCookies(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	d := doc(t, a.get(t, "/en/?size=3"))
	if got := d.Find("html").AttrOr("data-text-size", ""); got != "3" {
		t.Fatalf("data-text-size = %q, want 3", got)
	}
	if got := d.Find(`a[data-text-size-step="1"]`).AttrOr("href", ""); got != "/en/?size=4" {
		t.Fatalf("+ link = %q", got)
	}
	if got := d.Find(`a[data-text-size-step="-1"]`).AttrOr("href", ""); got != "/en/?size=2" {
		t.Fatalf("− link = %q", got)
	}
	if got := d.Find(`aside a[href^="/en/reset"]`).AttrOr("href", ""); got != "/en/reset?size=3" {
		t.Fatalf("links do not keep the size: %q", got)
	}
	// Largest size: + is disabled and has no link; nonsense sizes fall back.
	d = doc(t, a.get(t, "/en/?size=5"))
	if _, ok := d.Find(`a[data-text-size-step="1"]`).Attr("href"); ok {
		t.Fatal("+ still links at the largest size")
	}
	d = doc(t, a.get(t, "/en/?size=99"))
	if got := d.Find("html").AttrOr("data-text-size", ""); got != "1" {
		t.Fatalf("size=99 gave data-text-size %q, want the default 1", got)
	}
}

func TestLanguageSwitch_StaysOnTheSamePage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for from, want := range map[string]string{
		"/en/articles/reset-account?size=2": "/en/articles/reset-account?size=2",
		"/en/":                              "/en/",
		"//evil.example/":                   "/en/",
		"/\\evil.example":                   "/en/",
		"https://evil.example/":             "/en/",
	} {
		w := a.get(t, "/language?to=en&from="+url.QueryEscape(from))
		wantStatus(t, w, http.StatusSeeOther)
		if got := w.Header().Get("Location"); got != want {
			t.Errorf("from %q went to %q, want %q", from, got, want)
		}
	}
	wantStatus(t, a.get(t, "/language?to=xx&from=/en/"), http.StatusNotFound)
}

func TestStatic_HashedImmutableAndCompressed(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	u := a.h.Assets.URL("js/htmx-4.0.1.min.js")
	w := a.get(t, u, "Accept-Encoding", "gzip")
	wantStatus(t, w, http.StatusOK)
	if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Fatalf("Cache-Control = %q", cc)
	}
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatal("a script was not compressed")
	}
	wantStatus(t, a.get(t, "/static/js/app.js"), http.StatusNotFound)
	w2 := a.get(t, u, "If-None-Match", w.Header().Get("ETag"))
	wantStatus(t, w2, http.StatusNotModified)
}

func TestHTML_IsCompressed(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/en/", "Accept-Encoding", "gzip")
	wantStatus(t, w, http.StatusOK)
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatal("the home page was not compressed")
	}
	zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(zr)
	if !bytes.Contains(html, []byte("Browse the help articles")) {
		t.Fatal("the compressed page is not the home page")
	}
}

func TestComingPages_SayTheFlowIsComingAndOfferSupport(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, p := range []string{"/en/login/nobody"} {
		w := a.get(t, p)
		wantStatus(t, w, http.StatusOK)
		d := doc(t, w)
		wantText(t, d.Find("main .notice"), "upcoming release")
		wantCount(t, d, `aside a[href="/en/support"]`, 1)
	}
	d := doc(t, a.get(t, "/en/login"))
	wantCount(t, d, "ul.choices a[href^='/en/login/']", 3)
}

func TestBodyLimit_IsAClearError(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	big := strings.Repeat("x", 200<<10)
	w := a.post(t, "/en/articles/reset-account/feedback", url.Values{"helpful": {"yes"}, "pad": {big}})
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	wantText(t, doc(t, w).Find("main"), "too large")
}

func TestErrors_AbandonedRequestIsNotAServerFailure(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest(http.MethodGet, "/en/search?q=password", nil).WithContext(ctx)
	w := a.do(t, r)
	if w.Code == http.StatusInternalServerError {
		t.Fatal("an abandoned search answered 500")
	}
	if strings.Contains(a.logs.String(), "level=ERROR") {
		t.Fatalf("an abandoned request was logged as an error:\n%s", a.logs.String())
	}
}
