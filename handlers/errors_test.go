package handlers

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/views"
)

// TestClassify is the error-to-status table: each domain code keeps its own
// message, Echo's refusals get theirs, and anything else is an internal error
// whose text is never shown.
func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want views.ErrorView
	}{
		{"invalid", errs.E(errs.Invalid, "x.invalid"), views.ErrorView{Status: 400, TitleID: "error.bad_request.title", MessageID: "x.invalid"}},
		{"not found", errs.E(errs.NotFound, "x.gone"), views.ErrorView{Status: 404, TitleID: "error.not_found.title", MessageID: "x.gone"}},
		{"forbidden", errs.E(errs.Forbidden, "x.denied"), views.ErrorView{Status: 403, TitleID: "error.forbidden.title", MessageID: "x.denied"}},
		{"conflict", errs.E(errs.Conflict, "x.state"), views.ErrorView{Status: 409, TitleID: "error.bad_request.title", MessageID: "x.state"}},
		{"rate limited", errs.E(errs.RateLimited, "x.slow"), views.ErrorView{Status: 429, TitleID: "error.rate_limited.title", MessageID: "x.slow"}},
		{"wrapped refusal", fmt.Errorf("step: %w", errs.E(errs.Conflict, "x.state")), views.ErrorView{Status: 409, TitleID: "error.bad_request.title", MessageID: "x.state"}},
		{"internal", errs.E(errs.Internal, "x.secret"), internalView},
		{"wrapped cause", errs.Wrap(errors.New("disk full"), "x"), internalView},
		{"plain error", errors.New("disk full"), internalView},
		{"canceled", context.Canceled, internalView},
		{"echo 404", echo.ErrNotFound, views.ErrorView{Status: 404, TitleID: "error.not_found.title", MessageID: "error.not_found"}},
		{"echo 405", echo.ErrMethodNotAllowed, views.ErrorView{Status: 405, TitleID: "error.bad_request.title", MessageID: "error.method"}},
		{"echo 413", echo.ErrStatusRequestEntityTooLarge, views.ErrorView{Status: 413, TitleID: "error.bad_request.title", MessageID: "error.too_large"}},
		{"echo 429", echo.ErrTooManyRequests, views.ErrorView{Status: 429, TitleID: "error.rate_limited.title", MessageID: "error.rate_limited"}},
		{"echo other 4xx", echo.ErrUnsupportedMediaType, views.ErrorView{Status: 415, TitleID: "error.bad_request.title", MessageID: "error.bad_request"}},
		{"echo 5xx", echo.ErrBadGateway, internalView},
		{"echo 500", echo.NewHTTPError(http.StatusInternalServerError, "boom"), internalView},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.err); got != tc.want {
				t.Errorf("classify(%v) = %+v, want %+v", tc.err, got, tc.want)
			}
		})
	}
}

// A client that goes away mid-request (a closed tab, wrk ending its run) is
// not a server failure: neither the error handler nor My account's ticket
// list, which reads with the request's context, logs it at ERROR.
func TestErrors_ClientGoneIsNotLoggedAsAnError(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := a.e.NewContext(httptest.NewRequest(http.MethodGet, "/en/account", nil).WithContext(ctx), httptest.NewRecorder())
	if list := a.h.myTickets(c, &accounts.Session{AccountID: 1}); list != nil {
		t.Fatalf("a cancelled read listed %v", list)
	}
	for _, err := range []error{
		fmt.Errorf("search: %w", context.Canceled),
		// pgx through database/sql, when the request's context ends mid-statement.
		fmt.Errorf("tickets: submit: %w", driver.ErrBadConn),
	} {
		c := a.e.NewContext(httptest.NewRequest(http.MethodPost, "/en/support", nil).WithContext(ctx), httptest.NewRecorder())
		a.h.handleError(err, c)
		if got := c.Response().Status; got != statusClientClosedRequest {
			t.Errorf("%v: status %d, want %d", err, got, statusClientClosedRequest)
		}
	}
	if logs := a.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Fatalf("a cancelled request was logged as an error:\n%s", logs)
	}
	// The same broken connection while the client still waits is ours: logged.
	live := a.e.NewContext(httptest.NewRequest(http.MethodPost, "/en/support", nil), httptest.NewRecorder())
	a.h.handleError(fmt.Errorf("tickets: submit: %w", driver.ErrBadConn), live)
	if got := live.Response().Status; got != http.StatusInternalServerError {
		t.Errorf("a live request's broken connection: status %d, want 500", got)
	}
	if logs := a.logs.String(); !strings.Contains(logs, "level=ERROR") {
		t.Fatalf("a live request's failure was not logged:\n%s", logs)
	}
}
