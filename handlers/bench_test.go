package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Handler benchmarks: the whole middleware chain, no network. The load figures
// (wrk on loopback) are in bench/RESULTS.md.
func benchmarkGet(b *testing.B, path string, headers ...string) {
	a := newTestApp(b)
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	r.RemoteAddr = "198.51.100.7:40000"
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		a.e.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

func BenchmarkHealthz(b *testing.B) { benchmarkGet(b, "/healthz") }
func BenchmarkHome(b *testing.B)    { benchmarkGet(b, "/en/") }
func BenchmarkArticleFragment(b *testing.B) {
	benchmarkGet(b, "/en/articles/reset-account", "HX-Request", "true")
}
func BenchmarkArticlePage(b *testing.B) { benchmarkGet(b, "/en/articles/reset-account") }
func BenchmarkSearch(b *testing.B)      { benchmarkGet(b, "/en/search?q=password") }
func BenchmarkSearchTypo(b *testing.B)  { benchmarkGet(b, "/en/search?q=pasword") }
