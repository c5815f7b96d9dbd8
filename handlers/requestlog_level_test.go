package handlers

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/testsupport"
)

// Above info (serve --log-level warn or error) the request log writes
// nothing and costs nothing, and the answers are the same: the errors are
// still handled where the log would read the status (the metrics outside
// read it too), a failure is still logged as one.
func TestRequestLog_AboveInfoLogsNoRequestAndAnswersTheSame(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	logs := &testsupport.SyncBuffer{}
	a.h.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a.e = a.h.Echo()
	a.e.GET("/en/boom", func(echo.Context) error { panic("boom") })
	for _, tc := range []struct {
		path   string
		status int
	}{{"/en/", http.StatusOK}, {"/en/no-such-page", http.StatusNotFound}, {"/xx/", http.StatusNotFound}, {"/en/boom", http.StatusInternalServerError}} {
		w := a.get(t, tc.path)
		wantStatus(t, w, tc.status)
		if tc.status != http.StatusOK {
			// The error page, once: handled by the log middleware, not again by echo.
			if n := strings.Count(w.Body.String(), "</html>"); n != 1 {
				t.Errorf("%s: %d pages in one answer", tc.path, n)
			}
			if w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q, want the error page's no-store", tc.path, w.Header().Get("Cache-Control"))
			}
		}
	}
	if out := logs.String(); strings.Contains(out, "msg=request ") || !strings.Contains(out, `level=ERROR msg="request failed"`) {
		t.Errorf("above info the log holds request lines or misses the failure:\n%s", out)
	}
}
