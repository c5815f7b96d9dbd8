package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/locales"
	"zerodesk/views"
)

// handleError is Echo's error handler: every failure becomes a status and a
// localized page (or fragment, for HTMX) that offers search and the Support
// Ticket. Only 5xx are logged, with their cause; the visitor never sees it.
func (h *Handlers) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	// The client went away (a search superseded by the next keystroke, a
	// closed tab): nobody is left to answer, and nothing failed on our side.
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
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

// classify maps an error to its status and message IDs.
func classify(err error) views.ErrorView {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return views.ErrorView{Status: he.Code, TitleID: "error.not_found.title", MessageID: "error.not_found"}
		case http.StatusMethodNotAllowed:
			return views.ErrorView{Status: he.Code, TitleID: "error.bad_request.title", MessageID: "error.method"}
		case http.StatusRequestEntityTooLarge:
			return views.ErrorView{Status: he.Code, TitleID: "error.bad_request.title", MessageID: "error.too_large"}
		case http.StatusTooManyRequests:
			return views.ErrorView{Status: he.Code, TitleID: "error.rate_limited.title", MessageID: "error.rate_limited"}
		}
		if he.Code >= 400 && he.Code < 500 {
			return views.ErrorView{Status: he.Code, TitleID: "error.bad_request.title", MessageID: "error.bad_request"}
		}
		return views.ErrorView{Status: http.StatusInternalServerError, TitleID: "error.internal.title", MessageID: "error.internal"}
	}
	msg := errs.MessageIDOf(err)
	switch errs.CodeOf(err) {
	case errs.Invalid:
		return views.ErrorView{Status: http.StatusBadRequest, TitleID: "error.bad_request.title", MessageID: msg}
	case errs.NotFound:
		return views.ErrorView{Status: http.StatusNotFound, TitleID: "error.not_found.title", MessageID: msg}
	case errs.Forbidden:
		return views.ErrorView{Status: http.StatusForbidden, TitleID: "error.forbidden.title", MessageID: msg}
	case errs.Conflict:
		return views.ErrorView{Status: http.StatusConflict, TitleID: "error.bad_request.title", MessageID: msg}
	case errs.RateLimited:
		return views.ErrorView{Status: http.StatusTooManyRequests, TitleID: "error.rate_limited.title", MessageID: msg}
	}
	return views.ErrorView{Status: http.StatusInternalServerError, TitleID: "error.internal.title", MessageID: "error.internal"}
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
		if i := indexByte(seg, '/'); i >= 0 {
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

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}
