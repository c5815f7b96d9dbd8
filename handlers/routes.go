package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"zerodesk/static"
)

// Echo builds the server with its middleware and every route.
func (h *Handlers) Echo() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.handleError
	e.IPExtractor = h.ipExtractor()

	e.Pre(headAsGet)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{
		RedirectCode: http.StatusMovedPermanently,
		Skipper:      func(c echo.Context) bool { return isLanguageRoot(c.Request().URL.Path) },
	}))
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: newRequestID}))
	e.Use(h.logRequests())
	e.Use(h.recoverPanics)
	e.Use(h.securityHeaders)
	e.Use(h.refuseCrossOrigin())
	// Routes that take attachments bound their bodies themselves, larger
	// (support.go: ownBodyLimit).
	e.Use(h.limitBody(64 << 10))

	e.GET("/healthz", h.healthz)
	e.GET(static.Prefix+"*", echo.WrapHandler(h.Assets))
	e.GET("/", h.root)
	e.GET("/language", h.switchLanguage)
	h.seoRoutes(e) // seo.go: robots.txt, sitemap.xml, favicon.ico

	g := e.Group("/:lang", h.withPage)
	g.GET("", h.languageRoot)
	g.GET("/", h.home)
	g.GET("/articles/:slug", h.article)
	g.POST("/articles/:slug/feedback", h.feedback, h.voteLimiter())
	g.GET("/sections/:category", h.section)
	g.GET("/search", h.search, h.searchLimiter())
	g.GET("/login", h.loginChooser)
	h.accountRoutes(g)
	g.GET("/login/:kind", h.loginKind(h.coming("login.type.title", "coming.login")))
	// Each room registers its own routes from its own file.
	h.selfServiceRoutes(g) // selfservice.go: Reset Account, Recover Account
	h.managerRoutes(g)     // manage.go: account managers
	h.browserTestRoutes(g) // browsertest.go
	h.supportRoutes(g)     // support.go: tickets for visitors and users
	h.deskRoutes(g)        // desk.go: the agents' desk
	g.RouteNotFound("/*", notFound)
	e.RouteNotFound("/*", notFound)
	return e
}

func notFound(echo.Context) error { return echo.ErrNotFound }

func (h *Handlers) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}
