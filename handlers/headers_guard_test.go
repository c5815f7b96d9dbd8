package handlers

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"zerodesk/internal/kb"
)

// The headers of the pages kept for everyone, pinned name by name and value
// by value (issue 13, "Closer to the limit"): the path of a cached page is
// the one made cheap, so this guard says what it must still send, whatever
// a later optimisation does to it. Only Date (none here) and X-Request-Id
// (new each time) are not compared as values.

// securityHeadersSent are the headers every answer carries (securityHeaders).
var securityHeadersSent = http.Header{
	"Content-Security-Policy":      {contentSecurityPolicy},
	"X-Content-Type-Options":       {"nosniff"},
	"X-Frame-Options":              {"DENY"},
	"Referrer-Policy":              {"no-referrer"},
	"Cross-Origin-Opener-Policy":   {"same-origin"},
	"Cross-Origin-Resource-Policy": {"same-origin"},
	"Permissions-Policy":           {"camera=(), microphone=(), geolocation=(), payment=(), usb=()"},
}

// The CSP itself is pinned too: the constant could change along with the header.
const pinnedCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

var (
	etagShape      = regexp.MustCompile(`^"[0-9a-f]{24}"$`)
	requestIDShape = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// cachedPageHeaders is what a kept page sends with 200: the security
// headers and the page's own; body is the plain page, for Content-Length.
func cachedPageHeaders(etag string, length int, gzipped bool) http.Header {
	want := securityHeadersSent.Clone()
	want["Cache-Control"] = []string{"no-cache"}
	want["Content-Type"] = []string{"text/html; charset=UTF-8"}
	want["Vary"] = []string{"HX-Request", "Accept-Encoding"}
	want["Etag"] = []string{etag}
	want["Content-Length"] = []string{strconv.Itoa(length)}
	if gzipped {
		want["Content-Encoding"] = []string{"gzip"}
	}
	return want
}

// checkHeaders compares got with want exactly, X-Request-Id by its shape.
func checkHeaders(t *testing.T, what string, got, want http.Header) {
	t.Helper()
	got = got.Clone()
	if id := got.Values("X-Request-Id"); len(id) != 1 || !requestIDShape.MatchString(id[0]) {
		t.Errorf("%s: X-Request-Id %q, want one id of 16 hex digits", what, id)
	}
	delete(got, "X-Request-Id")
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if !slices.Equal(got[k], want[k]) {
			t.Errorf("%s: %s = %q, want %q", what, k, got[k], want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected header %s = %q", what, k, got[k])
		}
	}
}

func TestCachedPages_SendExactlyTheirHeaders(t *testing.T) {
	t.Parallel()
	if contentSecurityPolicy != pinnedCSP {
		t.Fatalf("the Content-Security-Policy changed: %q", contentSecurityPolicy)
	}
	a := newTestApp(t)
	for _, path := range []string{"/en/", "/en/?open=popular", "/es/", "/en/articles/reset-account",
		"/en/sections/howto", "/en/sections", "/en/search?q=password", "/en/search?q=password&page=2"} {
		for _, hx := range []bool{false, true} {
			what := path
			var extra []string
			if hx {
				what += " (HX-Request)"
				extra = []string{"HX-Request", "true"}
			}
			// Twice: the first answer renders and keeps, the second is the kept page.
			for round := range 2 {
				plain := a.get(t, path, extra...)
				wantStatus(t, plain, http.StatusOK)
				etag := plain.Header().Get("ETag")
				if !etagShape.MatchString(etag) {
					t.Fatalf("%s: ETag %q", what, etag)
				}
				body := plain.Body.Bytes()
				checkHeaders(t, what+" plain #"+strconv.Itoa(round), plain.Header(), cachedPageHeaders(etag, len(body), false))
				if strings.Contains(plain.Header().Get("Set-Cookie"), "=") {
					t.Errorf("%s: a visitor got a cookie", what)
				}

				zipped := a.get(t, path, append(extra, "Accept-Encoding", "gzip")...)
				wantStatus(t, zipped, http.StatusOK)
				zbody := zipped.Body.Bytes()
				checkHeaders(t, what+" gzip", zipped.Header(), cachedPageHeaders(etag, len(zbody), len(body) >= minCompressLength))
				if len(body) >= minCompressLength {
					zr, err := gzip.NewReader(bytes.NewReader(zbody))
					if err != nil {
						t.Fatalf("%s: %v", what, err)
					}
					if unzipped, err := io.ReadAll(zr); err != nil || !bytes.Equal(unzipped, body) {
						t.Errorf("%s: the compressed page is not the page (%v)", what, err)
					}
				}

				hr := httptest.NewRequest(http.MethodHead, path, nil)
				if hx {
					hr.Header.Set("HX-Request", "true")
				}
				head := a.do(t, hr)
				wantStatus(t, head, http.StatusOK)
				checkHeaders(t, what+" HEAD", head.Header(), cachedPageHeaders(etag, len(body), false))
				if head.Body.Len() != 0 {
					t.Errorf("%s: HEAD sent %d bytes", what, head.Body.Len())
				}

				r := httptest.NewRequest(http.MethodGet, path, nil)
				r.Header.Set("If-None-Match", etag)
				if hx {
					r.Header.Set("HX-Request", "true")
				}
				same := a.do(t, r)
				wantStatus(t, same, http.StatusNotModified)
				want304 := securityHeadersSent.Clone()
				want304["Etag"] = []string{etag}
				want304["Vary"] = []string{"HX-Request"}
				checkHeaders(t, what+" 304", same.Header(), want304)
				if same.Body.Len() != 0 {
					t.Errorf("%s: 304 sent %d bytes", what, same.Body.Len())
				}
			}
		}
	}
	// A fragment is its own page (own ETag); a page without one answers
	// HTMX with the whole page.
	for _, tc := range []struct {
		path     string
		fragment bool
	}{{"/en/articles/reset-account", true}, {"/en/search?q=password", true}, {"/en/", false}, {"/en/sections/howto", false}} {
		page, frag := a.get(t, tc.path), a.get(t, tc.path, "HX-Request", "true")
		if same := page.Header().Get("ETag") == frag.Header().Get("ETag"); same == tc.fragment {
			t.Errorf("%s: page and HTMX answer share an ETag: %v, want %v", tc.path, same, !tc.fragment)
		}
		if boosted := a.get(t, tc.path, "HX-Request", "true", "HX-Boosted", "true"); boosted.Header().Get("ETag") != page.Header().Get("ETag") {
			t.Errorf("%s: a boosted navigation did not get the whole page", tc.path)
		}
	}
}

// Over TLS the same answers carry HSTS as well, and nothing else changes.
func TestCachedPages_OverTLSAddHSTS(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, path := range []string{"/en/", "/en/articles/reset-account"} {
		for range 2 {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			r.TLS = &tls.ConnectionState{}
			r.Header.Set("Accept-Encoding", "gzip")
			w := a.do(t, r)
			wantStatus(t, w, http.StatusOK)
			want := cachedPageHeaders(w.Header().Get("ETag"), w.Body.Len(), true)
			want["Strict-Transport-Security"] = []string{"max-age=63072000; includeSubDomains"}
			checkHeaders(t, path+" TLS", w.Header(), want)
		}
	}
}

// The shared header values of the cached path are never written into: each
// has cap == len, so an Add after them copies (see render.go, middleware.go).
func TestCachedPages_AnAddNeverWritesIntoASharedValue(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	first := a.get(t, "/en/")
	first.Header().Add("Vary", "Cookie")
	first.Header().Add("X-Frame-Options", "SAMEORIGIN")
	again := a.get(t, "/en/")
	if got := again.Header().Values("Vary"); !slices.Equal(got, []string{"HX-Request", "Accept-Encoding"}) {
		t.Errorf("Vary after an Add to an earlier answer: %q", got)
	}
	if got := again.Header().Values("X-Frame-Options"); !slices.Equal(got, []string{"DENY"}) {
		t.Errorf("X-Frame-Options after an Add to an earlier answer: %q", got)
	}
}

// countingKB is the catalog, counting what a page's view is built from.
type countingKB struct {
	*kb.KB
	homeLists, sectionPages, articles atomic.Int32
}

func (k *countingKB) Article(lang, slug string) (*kb.Article, error) {
	k.articles.Add(1)
	return k.KB.Article(lang, slug)
}

func (k *countingKB) HomeLists(lang string, n int) ([]kb.Summary, []kb.Summary) {
	k.homeLists.Add(1)
	return k.KB.HomeLists(lang, n)
}

func (k *countingKB) SectionPage(lang string, c kb.Category, page, perPage int) ([]kb.Summary, int, int) {
	k.sectionPages.Add(1)
	return k.KB.SectionPage(lang, c, page, perPage)
}

// A kept page is sent as kept: its view (the home lists, a section's page)
// is built when it is rendered, once per catalog version, language and
// kind, never for an answer from the cache (plain, compressed, HEAD, 304).
func TestCachedPages_AKeptPageBuildsNoView(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	counted := &countingKB{KB: a.kb}
	a.h.KB = counted
	a.e = a.h.Echo()
	builds := func() int32 { return counted.homeLists.Load() + counted.sectionPages.Load() + counted.articles.Load() }
	for _, path := range []string{"/en/", "/en/?open=setup", "/en/sections/howto", "/en/sections/howto?page=1", "/en/articles/log-in-two-steps"} {
		first := a.get(t, path)
		wantStatus(t, first, http.StatusOK)
		built := builds()
		for _, headers := range [][]string{nil, {"Accept-Encoding", "gzip"}, {"If-None-Match", first.Header().Get("ETag")}} {
			a.get(t, path, headers...)
		}
		a.do(t, httptest.NewRequest(http.MethodHead, path, nil))
		if again := builds(); again != built {
			t.Errorf("%s: the kept page's view was built %d more times", path, again-built)
		}
	}
	// A page past the last is never kept: it is looked up every time.
	before := counted.sectionPages.Load()
	for range 2 {
		wantStatus(t, a.get(t, "/en/sections/howto?page=9"), http.StatusNotFound)
	}
	if got := counted.sectionPages.Load() - before; got != 2 {
		t.Errorf("a missing section page was built %d times for 2 requests, want 2 (never kept)", got)
	}
}
