package handlers

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
)

// routeMatcher answers whether a method and path reach a route of the table
// (routes.go), not the not-found catch-alls.
type routeMatcher struct {
	e      *echo.Echo
	routes map[string]bool // "METHOD path"
}

func newRouteMatcher(e *echo.Echo) *routeMatcher {
	m := &routeMatcher{e: e, routes: map[string]bool{}}
	for _, r := range e.Routes() {
		m.routes[r.Method+" "+r.Path] = true
	}
	return m
}

func (m *routeMatcher) matches(method, path string) bool {
	_, ok := m.route(method, path)
	return ok
}

// route is the table's route that method and path reach.
func (m *routeMatcher) route(method, path string) (string, bool) {
	c := m.e.NewContext(httptest.NewRequest(method, path, nil), httptest.NewRecorder())
	m.e.Router().Find(method, path, c)
	r := method + " " + c.Path()
	return r, c.Path() != "" && m.routes[r]
}

// linkedRoutes are the method and path of every address a page links or
// posts to: a[href], form[action] (with its method), the HTMX attributes and
// formaction. Addresses off the site, in-page fragments and the text-size
// steps (the page's own address) are left out.
func linkedRoutes(t *testing.T, page []byte) map[string]bool {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	add := func(method, raw string) {
		u, err := url.Parse(raw)
		if err != nil || u.Host != "" || u.Scheme != "" || u.Path == "" {
			return
		}
		out[method+" "+u.Path] = true
	}
	formMethod := func(s *goquery.Selection) string {
		if m, ok := s.Attr("formmethod"); ok {
			return strings.ToUpper(m)
		}
		f := s.Closest("form")
		if id, ok := s.Attr("form"); ok {
			f = d.Find("form#" + id)
		}
		if strings.EqualFold(f.AttrOr("method", "get"), "post") {
			return http.MethodPost
		}
		return http.MethodGet
	}
	// The text-size steps link to the page itself, whatever its address.
	d.Find("a[href]:not([data-text-size-step])").Each(func(_ int, s *goquery.Selection) { add(http.MethodGet, s.AttrOr("href", "")) })
	d.Find("link[href]").Each(func(_ int, s *goquery.Selection) { add(http.MethodGet, s.AttrOr("href", "")) })
	d.Find("form[action]").Each(func(_ int, s *goquery.Selection) {
		method := http.MethodGet
		if strings.EqualFold(s.AttrOr("method", "get"), "post") {
			method = http.MethodPost
		}
		add(method, s.AttrOr("action", ""))
	})
	d.Find("[formaction]").Each(func(_ int, s *goquery.Selection) { add(formMethod(s), s.AttrOr("formaction", "")) })
	for _, attr := range []string{"data-hx-get", "hx-get"} {
		d.Find("[" + attr + "]").Each(func(_ int, s *goquery.Selection) { add(http.MethodGet, s.AttrOr(attr, "")) })
	}
	for _, attr := range []string{"data-hx-post", "hx-post"} {
		d.Find("[" + attr + "]").Each(func(_ int, s *goquery.Selection) { add(http.MethodPost, s.AttrOr(attr, "")) })
	}
	return out
}

// TestRoutes_EveryAddressAPageUsesIsInTheTable renders every page type
// (allPageTypes, plus the admins' managers page) and checks that each link,
// form action and HTMX address on them reaches a route of routes.go with the
// method the page uses: a path in a view cannot drift from the table.
func TestRoutes_EveryAddressAPageUsesIsInTheTable(t *testing.T) {
	t.Parallel()
	pages := allPageTypes(t)
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", true)
	w := a.get(t, "/en/desk/managers", "Cookie", admin.cookie)
	wantStatus(t, w, http.StatusOK)
	pages["en/desk/managers"] = w.Body.Bytes()

	m := newRouteMatcher(a.e)
	if m.matches(http.MethodGet, "/en/no-such-page") || m.matches(http.MethodGet, "/en/support/tickets/X/rate/more") {
		t.Fatal("the matcher takes the not-found catch-alls for routes")
	}
	if !m.matches(http.MethodPost, "/en/desk/tickets/ZD-AAAA-BBBB/reply") {
		t.Fatal("the matcher misses a route of the table")
	}
	used := map[string][]string{} // "METHOD path" → pages
	for name, body := range pages {
		for r := range linkedRoutes(t, body) {
			used[r] = append(used[r], name)
		}
	}
	var drift []string
	reached := map[string]bool{}
	for r, on := range used {
		method, path, _ := strings.Cut(r, " ")
		route, ok := m.route(method, path)
		reached[route] = ok
		if !ok {
			sort.Strings(on)
			drift = append(drift, r+" (on "+strings.Join(on, ", ")+")")
		}
	}
	sort.Strings(drift)
	if len(drift) > 0 {
		t.Errorf("%d addresses on the pages reach no route of routes.go:\n%s", len(drift), strings.Join(drift, "\n"))
	}
	t.Logf("%d addresses on %d pages reach %d of the %d routes", len(used), len(pages), len(reached), len(m.routes))
	if len(used) < 80 {
		t.Errorf("only %d addresses found on %d pages", len(used), len(pages))
	}
}
