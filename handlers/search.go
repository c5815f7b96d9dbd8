package handlers

import (
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/views"
)

// How many results a search shows: as you type, and on the results page.
const (
	liveResults = 6
	pageResults = 20
)

// search answers the plain GET form with a page and the as-you-type box with a
// fragment. A refused query (too long) is a clear message, never a failure.
func (h *Handlers) search(c echo.Context) error {
	l := lang(c)
	live := isFragmentRequest(c)
	raw := c.QueryParam("q")
	v := views.SearchView{Query: raw, Live: live}
	limit := pageResults
	page := 1
	if live {
		limit = liveResults
	} else if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 {
		page = n // a page past the last shows the last
	}
	status := http.StatusOK
	version := h.KB.Version() // before the results: see renderCached
	results, err := h.KB.SearchPage(c.Request().Context(), l, v.Query, page, limit)
	switch {
	case err == nil:
		v.Results = results
		if results != nil {
			v.Query = results.Query
		}
	case errs.CodeOf(err) == errs.Invalid:
		v.ErrorID, v.Query, status = errs.MessageIDOf(err), "", http.StatusBadRequest
	default:
		return err
	}
	if v.Results != nil && v.Query != "" {
		if !live && page == 1 && !isHead(c) {
			// Keystrokes, further pages and HEAD probes are not searches: only submitted queries are logged.
			// The raw text, so the log can recognise and redact personal data.
			h.KB.RecordSearch(l, raw, len(v.Results.Hits), c.RealIP())
			h.Metrics.searched(len(v.Results.Hits))
		}
	}
	if status != http.StatusOK {
		return h.render(c, status, views.SearchPage(v), views.SearchResults(v))
	}
	// The page holds nothing of the visitor: what it shows follows from the
	// query as typed (the search boxes and links carry it), the page asked
	// for and the catalog version (results, popular articles); the language,
	// text size and fragment or page are added by renderCachedIn. The query
	// is bounded (a longer one was refused above) and so is the cache.
	// The results themselves are needed first (the status, the search log)
	// and are kb's own cached answer; only the components wait.
	return h.renderCachedIn(c, &h.searchPages, version, "search|"+strconv.Itoa(page)+"|"+raw, true, func() (templ.Component, templ.Component, error) {
		if v.Results != nil && v.Query != "" && len(v.Results.Hits) == 0 {
			v.Popular = h.KB.Popular(l, homeListLength) // per language and catalog version
		}
		return views.SearchPage(v), views.SearchResults(v), nil
	})
}
