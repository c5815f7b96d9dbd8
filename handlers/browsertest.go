package handlers

import "github.com/labstack/echo/v4"

// browserTestRoutes registers the Browser Test page (issue 6).
func (h *Handlers) browserTestRoutes(g *echo.Group) {
	g.GET("/browser-test", h.coming("side.browser_test", "coming.browser_test"))
}
