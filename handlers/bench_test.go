package handlers

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Handler benchmarks: the whole middleware chain, no network. The load figures
// (wrk on loopback) are in bench/RESULTS.md.
func benchmarkGet(b *testing.B, path string, headers ...string) {
	benchmarkStatus(b, http.StatusOK, path, headers...)
}

func benchmarkStatus(b *testing.B, status int, path string, headers ...string) {
	a := newBenchApp(b)
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
		if w.Code != status {
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

// The same pages as browsers ask for them (and as the load runs of
// bench/RESULTS.md do): compressed, so the kept gzipped copy is what is sent.
func BenchmarkHomeGzip(b *testing.B) { benchmarkGet(b, "/en/", "Accept-Encoding", "gzip") }
func BenchmarkArticlePageGzip(b *testing.B) {
	benchmarkGet(b, "/en/articles/reset-account", "Accept-Encoding", "gzip")
}
func BenchmarkSectionGzip(b *testing.B) {
	benchmarkGet(b, "/en/sections/howto", "Accept-Encoding", "gzip")
}
func BenchmarkSearchGzip(b *testing.B) {
	benchmarkGet(b, "/en/search?q=password", "Accept-Encoding", "gzip")
}

// newBenchApp is the test app as the load runs serve it (--log-level error:
// the request log drops its records, and a test app's log buffer, which only
// grows, is not what is measured), with no search limit (measure the search,
// not the limiter's refusals).
func newBenchApp(b *testing.B) *testApp {
	a := newTestApp(b)
	a.h.Log = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	a.h.SearchLimit = 1 << 30
	a.e = a.h.Echo()
	return a
}

// Localization cost: the home page per language, served from the page cache
// (what visitors get) and rendered every time (what a catalog change costs).
func BenchmarkHomeByLanguage(b *testing.B) {
	a := newBenchApp(b)
	for _, lang := range []string{"en", "es", "ar", "zh-Hans"} {
		for _, cached := range []bool{true, false} {
			name := lang + "/cached"
			if !cached {
				name = lang + "/rendered"
			}
			b.Run(name, func(b *testing.B) {
				r := httptest.NewRequest(http.MethodGet, "/"+lang+"/", nil)
				r.RemoteAddr = "198.51.100.7:40000"
				b.ReportAllocs()
				for b.Loop() {
					if !cached {
						a.h.pages.Reset()
					}
					w := httptest.NewRecorder()
					a.e.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						b.Fatalf("status %d", w.Code)
					}
				}
			})
		}
	}
}

// BenchmarkRootNegotiation is the redirect from / by Accept-Language.
func BenchmarkRootNegotiation(b *testing.B) {
	benchmarkStatus(b, http.StatusFound, "/", "Accept-Language", "pt-PT,pt;q=0.9,en;q=0.5")
}

// BenchmarkSearchRendered is BenchmarkSearch without the kept page: what a
// query costs the first time it is asked in a catalog version (the results
// themselves stay cached in kb).
func BenchmarkSearchRendered(b *testing.B) {
	a := newBenchApp(b)
	r := httptest.NewRequest(http.MethodGet, "/en/search?q=password", nil)
	r.RemoteAddr = "198.51.100.7:40000"
	b.ReportAllocs()
	for b.Loop() {
		a.h.searchPages.Reset()
		w := httptest.NewRecorder()
		a.e.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
