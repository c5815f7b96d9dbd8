package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// withMetrics turns the metrics on for a, as serve --metrics-addr does.
func withMetrics(a *testApp) {
	a.h.Metrics = NewMetrics(a.db, a.outbox, a.accounts)
	a.e = a.h.Echo()
}

// scrape reads the metrics as Prometheus would.
func scrape(t testing.TB, m *Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	wantStatus(t, w, http.StatusOK)
	body, _ := io.ReadAll(w.Body)
	return string(body)
}

// sample is the value of one series in a scrape ("" when absent).
func sample(body, series string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestMetrics_OffByDefaultAndNeverOnThePortal(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	if a.h.Metrics != nil {
		t.Fatal("metrics are on without being asked for")
	}
	wantStatus(t, a.get(t, "/metrics"), http.StatusNotFound)
	withMetrics(a)
	wantStatus(t, a.get(t, "/metrics"), http.StatusNotFound) // their own address only (serve)
}

// After traffic that puts a usercode, an e-mail address, a search term and a
// ticket reference in addresses and forms, no label holds any of them, and the
// counts are the ones the traffic made.
func TestMetrics_CountByRouteTemplateAndHoldNoPersonalData(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	withMetrics(a)
	const (
		term  = "zebrafinchquartz"
		email = "grace.hopper@example.org"
	)
	wantStatus(t, a.get(t, "/en/search?q="+term), http.StatusOK)
	wantStatus(t, a.get(t, "/en/search?q="+url.QueryEscape(email)), http.StatusOK)
	wantStatus(t, a.get(t, "/en/search?q=password"), http.StatusOK)
	wantStatus(t, a.get(t, "/en/articles/"+term), http.StatusNotFound)
	wantStatus(t, a.get(t, "/no/such/"+url.PathEscape(email)), http.StatusNotFound)
	// An account, then a login with the wrong password: refused.
	j := &journey{a: a}
	usercode := j.register(t, "Grace Hopper", email)
	wantStatus(t, j.activate(t, usercode, "silver otter hums", false), http.StatusOK)
	_, w := j.login(t, usercode, "not the password at all 12", false)
	if w.Code == http.StatusOK {
		t.Fatalf("the wrong password was not refused: %d", w.Code)
	}
	f := ticketForm(t, a)
	f.Set("email", email)
	ref, _ := sendTicket(t, a, f)
	wantStatus(t, a.get(t, "/en/support/tickets/"+ref), http.StatusOK)

	body := scrape(t, a.h.Metrics)
	for what, s := range map[string]string{"search term": term, "e-mail address": email, "usercode": usercode,
		"ticket reference": ref, "usercode without dashes": strings.ReplaceAll(usercode, "-", ""),
		"escaped address": url.QueryEscape(email), "address's local part": "grace.hopper"} {
		if strings.Contains(strings.ToLower(body), strings.ToLower(s)) {
			t.Errorf("the metrics hold the %s %q", what, s)
		}
	}
	for series, want := range map[string]string{
		`zerodesk_http_requests_total{method="GET",route="/:lang/search",status="200"}`:                 "3",
		`zerodesk_http_requests_total{method="GET",route="/:lang/articles/:slug",status="404"}`:         "1",
		`zerodesk_http_requests_total{method="GET",route="/:lang/*",status="404"}`:                      "1",
		`zerodesk_http_requests_total{method="GET",route="/:lang/support/tickets/:ref",status="200"}`:   "1",
		`zerodesk_http_request_duration_seconds_count{method="GET",route="/:lang/search",status="200"}`: "3",
		`zerodesk_search_queries_total`:                        "3",
		`zerodesk_tickets_submitted_total`:                     "1",
		`zerodesk_login_failures_total{reason="refused"}`:      "1",
		`zerodesk_login_failures_total{reason="rate_limited"}`: "0",
		`zerodesk_login_lockouts_total`:                        "0",
		`zerodesk_outbox_queued`:                               "1", // the ticket's confirmation (the usercode's mail went)
		`zerodesk_outbox_failed`:                               "0",
		`zerodesk_outbox_delivery_failures_total`:              "0",
		`go_sql_max_open_connections{db_name="write"}`:         "1",
	} {
		if got := sample(body, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	// The made-up term finds nothing; "password" finds articles.
	if z := sample(body, "zerodesk_search_zero_hits_total"); z != "1" && z != "2" {
		t.Errorf("zerodesk_search_zero_hits_total = %q, want 1 or 2 (the address may find the demo's example articles)", z)
	}
	// Every route label is a template of the route table, never an address.
	routes := map[string]bool{"none": true}
	for _, r := range a.e.Routes() {
		routes[r.Path] = true
	}
	for _, m := range regexp.MustCompile(`route="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if !routes[m[1]] {
			t.Errorf("route label %q is not a route template", m[1])
		}
	}
}

// A method outside the known ones is "other": a client cannot mint label values.
func TestMetrics_UnknownMethodsShareOneLabel(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	withMetrics(a)
	r := httptest.NewRequest("X-GRACE-HOPPER", "/healthz", nil)
	a.do(t, r)
	body := scrape(t, a.h.Metrics)
	if strings.Contains(body, "GRACE") {
		t.Error("a request's method became a label value")
	}
	if !strings.Contains(body, `method="other"`) {
		t.Errorf("no method=\"other\" series:\n%s", body)
	}
}
