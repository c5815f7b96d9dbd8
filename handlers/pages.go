package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/links"
	"zerodesk/views"
)

// loginChooser is Choose login type.
func (h *Handlers) loginChooser(c echo.Context) error {
	return h.render(c, http.StatusOK, views.LoginChooser(), nil)
}

// coming answers a portal function whose flow lands in a later release, with a
// page that says so and where to turn meanwhile.
func (h *Handlers) coming(titleID, textID string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return h.render(c, http.StatusOK, views.ComingPage(views.ComingView{TitleID: titleID, TextID: textID}), nil)
	}
}

// redirectTo sends the browser to path in its language: what a POST-only
// address answers a GET with (routes.go), changing nothing.
func (h *Handlers) redirectTo(path string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.Redirect(http.StatusSeeOther, views.Href(c.Request().Context(), path))
	}
}

// switchLanguage is Select language without JavaScript: a GET form naming the
// new language and the page to stay on.
func (h *Handlers) switchLanguage(c echo.Context) error {
	to := c.QueryParam("to")
	if !h.Locales.Supported(to) {
		return echo.ErrNotFound
	}
	from := c.QueryParam("from")
	// Only a path of ours: never "//host" or "/\host", which browsers follow off-site.
	if !strings.HasPrefix(from, "/") || strings.HasPrefix(from, "//") || strings.HasPrefix(from, "/\\") {
		from = links.Portal("").Page(to, "/")
	}
	rest := from[1:]
	if i := strings.IndexAny(rest, "/?"); i >= 0 && h.Locales.Supported(rest[:i]) {
		rest = rest[i:]
	} else if h.Locales.Supported(rest) {
		rest = "/"
	} else {
		rest = "/"
	}
	if strings.HasPrefix(rest, "?") {
		rest = "/" + rest
	}
	return c.Redirect(http.StatusSeeOther, links.Portal("").Page(to, rest))
}
