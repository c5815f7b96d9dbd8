package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// BenchmarkMetricsMiddleware is the per-request cost of counting and timing
// a request (bench/RESULTS.md): /healthz, the cheapest route, so the
// middleware's share is the largest it gets, without and with metrics on.
func BenchmarkMetricsMiddleware(b *testing.B) {
	a := newTestApp(b)
	off := a.h.Echo()
	withMetrics(a)
	on := a.e
	for _, c := range []struct {
		name string
		e    http.Handler
	}{{"off", off}, {"on", on}} {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			r.RemoteAddr = "198.51.100.7:40000"
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				c.e.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkMetricsMiddlewareAlone isolates the middleware: a bare Echo with
// one route whose handler writes two bytes, without and with it.
func BenchmarkMetricsMiddlewareAlone(b *testing.B) {
	m := NewMetrics(nil, nil, nil)
	for _, on := range []bool{false, true} {
		e := echo.New()
		if on {
			e.Use(m.middleware)
		}
		e.GET("/:lang/articles/:slug", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/en/articles/reset-account", nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				e.ServeHTTP(w, r)
			}
		})
	}
}
