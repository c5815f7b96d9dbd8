package handlers

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/accounts"
)

// TestStep1TimingOverHTTP measures step 1 of the login through the whole
// middleware chain and the page rendering, known against unknown usercodes,
// interleaved. It runs only with ZD_TIMING=N (N samples of each):
//
//	ZD_TIMING=2000 go test ./handlers -run TestStep1TimingOverHTTP -count=1 -v
//
// internal/accounts TestStep1Timing measures the domain alone.
func TestStep1TimingOverHTTP(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ZD_TIMING"))
	if n <= 0 {
		t.Skip("set ZD_TIMING=N to measure step 1 over N samples per kind")
	}
	a := newTestApp(t)
	j := &journey{a: a}
	const users = 1 // the mail directory gives the newest usercode reliably only for one registration
	var known, unknown []string
	for i := range users {
		u := j.register(t, "Timing User", fmt.Sprintf("timing%d@example.com", i))
		wantStatus(t, j.activate(t, u, "amber falcon sings", false), http.StatusOK)
		known = append(known, u)
		unknown = append(unknown, accounts.NewUsercode().Display())
	}
	addr := 0
	run := func(u string) float64 {
		addr++ // a fresh client address each time: the per-address limit stays out of the way
		r := httptest.NewRequest(http.MethodPost, "/en/login/user", strings.NewReader(url.Values{"usercode": {u}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:4000", addr>>16&255, addr>>8&255, addr&255)
		w := httptest.NewRecorder()
		start := time.Now()
		a.e.ServeHTTP(w, r)
		d := time.Since(start)
		if w.Code != http.StatusOK {
			t.Fatalf("step 1: %d", w.Code)
		}
		return float64(d) / 1e3
	}
	for i := range 200 {
		run(known[i%users])
		run(unknown[i%users])
	}
	k, u := make([]float64, 0, n), make([]float64, 0, n)
	for i := range n {
		if i%2 == 0 {
			k, u = append(k, run(known[i%users])), append(u, run(unknown[i%users]))
		} else {
			u, k = append(u, run(unknown[i%users])), append(k, run(known[i%users]))
		}
	}
	med := func(x []float64) float64 { s := slices.Clone(x); slices.Sort(s); return s[len(s)/2] }
	mk, mu := med(k), med(u)
	t.Logf("step 1 over HTTP, %d samples each: known median %.1f µs, unknown median %.1f µs, difference %+.1f µs (%.2f %%)",
		n, mk, mu, mk-mu, 100*(mk-mu)/mu)
	if limit, err := strconv.ParseFloat(os.Getenv("ZD_TIMING_MAX_US"), 64); err == nil && math.Abs(mk-mu) > limit {
		t.Errorf("medians differ by %.1f µs, more than %.1f µs", mk-mu, limit)
	}
}
