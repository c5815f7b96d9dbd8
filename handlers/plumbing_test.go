package handlers

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/testsupport"
	"zerodesk/static"
)

// logLine returns the request log line of method and path, failing when
// there is not exactly one.
func logLine(t testing.TB, a *testApp, method, path string) string {
	t.Helper()
	var found []string
	for _, line := range strings.Split(a.logs.String(), "\n") {
		if strings.Contains(line, "msg=request ") && strings.Contains(line, " method="+method+" ") &&
			strings.Contains(line, " path="+path+" ") {
			found = append(found, line)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d request log lines for %s %s, want 1; log:\n%s", len(found), method, path, a.logs.String())
	}
	return found[0]
}

var logStatus = regexp.MustCompile(` status=(\d+) `)

// The request log says the status that was sent, whoever set it: the
// handler, a middleware's refusal, the router, the error handler, a panic.
func TestRequestLog_SaysTheStatusSent(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.e.GET("/en/boom", func(echo.Context) error { panic("boom") })
	a.e.GET("/en/teapot", func(c echo.Context) error { return c.String(http.StatusTeapot, "short and stout") })

	crossSite := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/en/articles/reset-account/feedback", strings.NewReader("helpful=yes"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		r.Header.Set("Origin", "https://evil.example")
		return r
	}
	for _, tc := range []struct {
		name string
		req  *http.Request
		path string
	}{
		{"a page", httptest.NewRequest(http.MethodGet, "/en/", nil), "/en/"},
		{"a handler's own status", httptest.NewRequest(http.MethodGet, "/en/teapot", nil), "/en/teapot"},
		{"a refused cross-site post", crossSite(), "/en/articles/reset-account/feedback"},
		{"no such page", httptest.NewRequest(http.MethodGet, "/en/no-such-page", nil), "/en/no-such-page"},
		{"no such language", httptest.NewRequest(http.MethodGet, "/xx/articles/a", nil), "/xx/articles/a"},
		{"a panic", httptest.NewRequest(http.MethodGet, "/en/boom", nil), "/en/boom"},
		{"a body too large", httptest.NewRequest(http.MethodPost, "/en/login", strings.NewReader(strings.Repeat("x", 100<<10))), "/en/login"},
	} {
		w := a.do(t, tc.req)
		m := logStatus.FindStringSubmatch(logLine(t, a, tc.req.Method, tc.path))
		if m == nil || m[1] != fmt.Sprint(w.Code) {
			t.Errorf("%s: sent %d, logged %v", tc.name, w.Code, m)
		}
		if tc.name != "a page" && w.Code == http.StatusOK {
			t.Errorf("%s: status 200", tc.name)
		}
	}
	// A panic is logged once as the request, once as the failure with its cause.
	if !strings.Contains(a.logs.String(), "level=ERROR msg=\"request failed\"") {
		t.Errorf("the panic's cause was not logged:\n%s", a.logs.String())
	}
}

// HSTS goes out whenever the browser is known to use HTTPS: TLS to us, or a
// trusted proxy that says https. Never on plain HTTP, never because a client
// claims https itself.
func TestHSTS_WheneverTheRequestIsKnownHTTPS(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	_, proxies, _ := net.ParseCIDR("10.0.0.0/8")
	a.h.TrustedProxies = append(a.h.TrustedProxies, proxies)
	for _, tc := range []struct {
		name   string
		tls    bool
		remote string
		proto  string
		want   bool
	}{
		{"direct TLS", true, "203.0.113.9:5555", "", true},
		{"https at a trusted proxy", false, "10.1.2.3:5555", "https", true},
		{"http at a trusted proxy", false, "10.1.2.3:5555", "http", false},
		{"a trusted proxy that says nothing", false, "10.1.2.3:5555", "", false},
		{"plain HTTP", false, "203.0.113.9:5555", "", false},
		{"a client claiming https", false, "203.0.113.9:5555", "https", false},
	} {
		for _, path := range []string{"/en/", "/en/no-such-page", static.Prefix + "nothing.css"} {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			r.RemoteAddr = tc.remote
			if tc.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			w := a.do(t, r)
			got := w.Header().Get("Strict-Transport-Security")
			if tc.want && !strings.HasPrefix(got, "max-age=") {
				t.Errorf("%s, %s: no HSTS (%q)", tc.name, path, got)
			}
			if !tc.want && got != "" {
				t.Errorf("%s, %s: HSTS %q on a request not known to be HTTPS", tc.name, path, got)
			}
		}
	}
}

// chunked is a same-origin post whose body declares no length, as a client
// streaming it sends it.
func chunked(path, contentType string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, io.NopCloser(bytes.NewReader(body)))
	r.ContentLength = -1
	r.TransferEncoding = []string{"chunked"}
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "http://example.com")
	return r
}

// A body past a limit is a localized 413 whether or not it declared its
// length: the global 64 KiB limit and the upload routes' own.
func TestBodyLimit_ChunkedBodiesAreRefusedLikeSizedOnes(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	small := url.Values{"ref": {"ZD-AAAA-BBBB"}, "key": {strings.Repeat("k", 100<<10)}}.Encode()
	uploadPad := strings.Repeat("x", int(a.h.uploadLimit())+1<<20)
	multi, multiCT := multipartBody(t, url.Values{"subject": {"Help"}, "body": {uploadPad}})
	multiSmall, multiSmallCT := multipartBody(t, url.Values{"ref": {"ZD-AAAA-BBBB"}, "key": {strings.Repeat("k", 100<<10)}})
	urlencoded := "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		name, path, ct string
		body           []byte
	}{
		{"a form past 64 KiB", "/en/support/tickets", urlencoded, []byte(small)},
		{"a multipart form past 64 KiB", "/en/support/tickets", multiSmallCT, multiSmall.Bytes()},
		{"a login past 64 KiB", "/en/login", urlencoded, []byte(small)},
		{"a ticket form past the upload limit", "/en/support", urlencoded, []byte("subject=Help&body=" + uploadPad)},
		{"a multipart ticket past the upload limit", "/en/support", multiCT, multi.Bytes()},
	} {
		for _, sized := range []bool{true, false} {
			r := chunked(tc.path, tc.ct, tc.body)
			if sized {
				r = httptest.NewRequest(http.MethodPost, tc.path, bytes.NewReader(tc.body))
				r.Header.Set("Content-Type", tc.ct)
				r.Header.Set("Sec-Fetch-Site", "same-origin")
			}
			w := a.do(t, r)
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("%s (sized %v): status %d, want 413; body:\n%.400s", tc.name, sized, w.Code, w.Body.String())
				continue
			}
			if !strings.Contains(strings.Join(strings.Fields(doc(t, w).Find("main").Text()), " "), "too large") {
				t.Errorf("%s (sized %v): the 413 does not say the form was too large", tc.name, sized)
			}
		}
	}
	// Localized: the same refusal in Arabic is not English.
	w := a.do(t, chunked("/ar/support/tickets", urlencoded, []byte(small)))
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	if strings.Contains(doc(t, w).Find("main").Text(), "too large") {
		t.Error("the Arabic 413 is in English")
	}
	// A chunked form within the limit is read as usual.
	w = a.do(t, chunked("/en/support/tickets", urlencoded, []byte(url.Values{"ref": {"ZD-AAAA-BBBB"}, "key": {"x"}}.Encode())))
	if w.Code == http.StatusRequestEntityTooLarge || w.Code >= 500 {
		t.Errorf("a small chunked form: status %d", w.Code)
	}
}

// concrete fills a route's parameters with plausible values.
func concrete(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch {
		case p == ":lang":
			parts[i] = "en"
		case strings.HasPrefix(p, ":"):
			parts[i] = "x" + p[1:]
		case p == "*":
			parts[i] = "nothing"
		}
	}
	return strings.Join(parts, "/")
}

// HEAD answers like GET, without a body, on every GET route: the same
// status and headers.
func TestHEAD_AnswersLikeGETEverywhere(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	paths := []string{"/en/articles/reset-account", "/healthz"}
	// A real asset, under its hashed name, as pages link it.
	css := regexp.MustCompile(`href="(` + regexp.QuoteMeta(static.Prefix) + `[^"]+\.css)"`).FindStringSubmatch(a.get(t, "/en/").Body.String())
	if css == nil {
		t.Fatal("no stylesheet on the home page")
	}
	paths = append(paths, css[1])
	n := 0
	for _, r := range a.e.Routes() {
		if r.Method == http.MethodGet {
			paths = append(paths, concrete(r.Path))
			n++
		}
	}
	if n < 20 {
		t.Fatalf("only %d GET routes", n)
	}
	for i, path := range paths {
		req := func(method string) *httptest.ResponseRecorder {
			r := httptest.NewRequest(method, path, nil)
			r.RemoteAddr = fmt.Sprintf("203.0.113.%d:4000", i%250+1) // per-address limits apart
			return a.do(t, r)
		}
		get, head := req(http.MethodGet), req(http.MethodHead)
		if head.Code != get.Code {
			t.Errorf("%s: HEAD %d, GET %d", path, head.Code, get.Code)
		}
		if head.Body.Len() != 0 {
			t.Errorf("%s: HEAD sent a body of %d bytes", path, head.Body.Len())
		}
		for _, h := range []string{"Content-Type", "Location", "Content-Security-Policy", "Cache-Control"} {
			if head.Header().Get(h) != get.Header().Get(h) {
				t.Errorf("%s: %s: HEAD %q, GET %q", path, h, head.Header().Get(h), get.Header().Get(h))
			}
		}
	}
	for _, path := range paths[:3] {
		r := httptest.NewRequest(http.MethodHead, path, nil)
		if w := a.do(t, r); w.Code != http.StatusOK {
			t.Errorf("HEAD %s: %d, want 200", path, w.Code)
		}
	}
	// The log says HEAD.
	if !strings.Contains(a.logs.String(), " method=HEAD path=/healthz status=200 ") {
		t.Error("HEAD is not logged as HEAD")
	}
	// HEAD is not a way around POST-only routes.
	if w := a.do(t, httptest.NewRequest(http.MethodHead, "/en/articles/reset-account/feedback", nil)); w.Code == http.StatusOK {
		t.Error("HEAD on a POST-only route answered 200")
	}
}

// The test apps hash passwords at a toy Argon2id cost (testsupport.TinyArgon): the real
// cost is measured in internal/accounts (TestLogin_WithProductionArgon2),
// not paid by every handler test under -race.
func TestTestApp_HashesWithCheapArgon2(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	signInStaff(t, a, accounts.Agent, "Cheap Hash", "cheap@desk.example", true)
	var text string
	if err := a.db.Read.QueryRow(`SELECT pw_params FROM accounts WHERE pw_params IS NOT NULL LIMIT 1`).Scan(&text); err != nil {
		t.Fatal(err)
	}
	var p crypt.Argon2Params
	if err := p.UnmarshalText([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if !p.SameCost(testsupport.TinyArgon) || p.SameCost(crypt.DefaultArgon2) {
		t.Fatalf("a test app hashed with %+v, want tinyArgon %+v", p, testsupport.TinyArgon)
	}
}

// Over a real connection, a HEAD answer carries the GET's headers and no
// body, and the connection stays usable.
func TestHEAD_OverTheWireSendsNoBody(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	srv := httptest.NewServer(a.e)
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Two requests on one connection: a body after the first answer would
	// be read as the start of the second.
	fmt.Fprint(conn, "HEAD /en/ HTTP/1.1\r\nHost: example.com\r\n\r\nHEAD /healthz HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
	raw, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	answers := strings.Split(string(raw), "\r\n\r\n")
	if len(answers) != 3 || answers[2] != "" {
		t.Fatalf("want two header blocks and nothing else, got:\n%s", raw)
	}
	for i, want := range []string{"text/html", "text/plain"} {
		if !strings.HasPrefix(answers[i], "HTTP/1.1 200 ") || !strings.Contains(answers[i], "Content-Type: "+want) {
			t.Errorf("answer %d:\n%s", i+1, answers[i])
		}
	}
}

// A HEAD request reads nothing: it counts no article view.
func TestHEAD_CountsNoArticleView(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	views := func() (n int64) {
		t.Helper()
		if err := a.kb.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := a.db.Read.QueryRow(`SELECT views FROM articles WHERE key = $1`, "what-is-stored").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := views()
	for range 3 {
		wantStatus(t, a.do(t, httptest.NewRequest(http.MethodHead, "/en/articles/what-is-stored", nil)), http.StatusOK)
	}
	if got := views(); got != before {
		t.Fatalf("3 HEAD requests counted %d views", got-before)
	}
	wantStatus(t, a.get(t, "/en/articles/what-is-stored"), http.StatusOK)
	if got := views(); got != before+1 {
		t.Fatalf("a GET counted %d views, want 1", got-before)
	}
}

func TestHEAD_RecordsNoSearch(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	searches := func() (n int64) {
		t.Helper()
		if err := a.kb.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		a.db.Read.QueryRow(`SELECT COALESCE(SUM(searches), 0) FROM search_hidden`).Scan(&n)
		return n
	}
	before := searches()
	for range 3 {
		wantStatus(t, a.do(t, httptest.NewRequest(http.MethodHead, "/en/search?q=password", nil)), http.StatusOK)
	}
	if got := searches(); got != before {
		t.Fatalf("3 HEAD requests recorded %d searches", got-before)
	}
	wantStatus(t, a.get(t, "/en/search?q=password"), http.StatusOK)
	if got := searches(); got != before+1 {
		t.Fatalf("a GET recorded %d searches, want 1", got-before)
	}
}
