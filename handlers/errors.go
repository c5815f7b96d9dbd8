package handlers

import (
	"context"
	"database/sql/driver"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/locales"
	"zerodesk/views"
)

// clientGone reports whether err only says the client went away (a search
// superseded by the next keystroke, a closed tab, wrk ending its run): not a
// failure on our side, so never logged as an error.
//
// The request's own context decides, not the error's kind: the database
// driver reports a cancelled statement in its own words (pgx through
// database/sql answers driver.ErrBadConn when the context ends mid-query, and
// tears that connection down), so on PostgreSQL a client leaving during a
// ticket's submission was logged as an internal error (bench/engines.sh's
// last requests). An error is the client's when the client had already gone
// and the error is a cancellation or a connection torn down by it.
func clientGone(c echo.Context, err error) bool {
	if c.Request().Context().Err() == nil {
		return false
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn)
}

// handleError is Echo's error handler: every failure becomes a status and a
// localized page (or fragment, for HTMX) that offers search and the Support
// Ticket. Only 5xx are logged, with their cause; the visitor never sees it.
func (h *Handlers) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	// The client went away (a search superseded by the next keystroke, a
	// closed tab): nobody is left to answer, and nothing failed on our side.
	if clientGone(c, err) {
		c.Response().WriteHeader(statusClientClosedRequest)
		return
	}
	v := classify(err)
	if v.Status >= 500 {
		h.Log.LogAttrs(c.Request().Context(), slog.LevelError, "request failed",
			slog.String("id", c.Response().Header().Get(echo.HeaderXRequestID)),
			slog.String("method", c.Request().Method),
			slog.String("path", c.Request().URL.Path),
			slog.String("error", err.Error()))
	}
	if !views.HasPage(c.Request().Context()) {
		h.setPage(c, h.requestLanguage(c), "/")
	}
	if v.Status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "60")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if rerr := h.render(c, v.Status, views.ErrorPage(v), views.ErrorFragment(v)); rerr != nil {
		h.Log.Error("render error page", "error", rerr)
	}
}

// statusClientClosedRequest is nginx's code for a request its client abandoned;
// it only ever reaches the request log.
const statusClientClosedRequest = 499

// codeViews is the status and page title of each domain code; the message is
// the error's own. A code not listed (Internal) is an internal error.
var codeViews = map[errs.Code]views.ErrorView{
	errs.Invalid:     {Status: http.StatusBadRequest, TitleID: "error.bad_request.title"},
	errs.NotFound:    {Status: http.StatusNotFound, TitleID: "error.not_found.title"},
	errs.Forbidden:   {Status: http.StatusForbidden, TitleID: "error.forbidden.title"},
	errs.Conflict:    {Status: http.StatusConflict, TitleID: "error.bad_request.title"},
	errs.RateLimited: {Status: http.StatusTooManyRequests, TitleID: "error.rate_limited.title"},
}

// httpViews is the page of each status Echo itself refuses with; any other 4xx
// is a bad request, anything else an internal error.
var httpViews = map[int]views.ErrorView{
	http.StatusNotFound:              {Status: http.StatusNotFound, TitleID: "error.not_found.title", MessageID: "error.not_found"},
	http.StatusMethodNotAllowed:      {Status: http.StatusMethodNotAllowed, TitleID: "error.bad_request.title", MessageID: "error.method"},
	http.StatusRequestEntityTooLarge: {Status: http.StatusRequestEntityTooLarge, TitleID: "error.bad_request.title", MessageID: "error.too_large"},
	http.StatusTooManyRequests:       {Status: http.StatusTooManyRequests, TitleID: "error.rate_limited.title", MessageID: "error.rate_limited"},
}

var internalView = views.ErrorView{Status: http.StatusInternalServerError, TitleID: "error.internal.title", MessageID: "error.internal"}

// classify maps an error to its status and message IDs.
func classify(err error) views.ErrorView {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if v, ok := httpViews[he.Code]; ok {
			return v
		}
		if he.Code >= 400 && he.Code < 500 {
			return views.ErrorView{Status: he.Code, TitleID: "error.bad_request.title", MessageID: "error.bad_request"}
		}
		return internalView
	}
	v, ok := codeViews[errs.CodeOf(err)]
	if !ok {
		return internalView
	}
	v.MessageID = errs.MessageIDOf(err)
	return v
}

// requestLanguage is the language of a request outside the /LANG/ routes: the
// URL's first segment when it is a language, else the browser's preference.
func (h *Handlers) requestLanguage(c echo.Context) string {
	if lang := c.Param("lang"); h.Locales.Supported(lang) {
		return lang
	}
	path := c.Request().URL.Path
	if len(path) >= 3 {
		seg := path[1:]
		if i := strings.IndexByte(seg, '/'); i >= 0 {
			seg = seg[:i]
		}
		if h.Locales.Supported(seg) {
			return seg
		}
	}
	if lang := h.Locales.Negotiate(c.Request().Header.Get("Accept-Language")); lang != "" {
		return lang
	}
	return locales.Default
}
