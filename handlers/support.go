package handlers

import "github.com/labstack/echo/v4"

// supportRoutes registers support tickets for visitors and users (issue 5).
func (h *Handlers) supportRoutes(g *echo.Group) {
	g.GET("/support", h.coming("side.self.support", "coming.support"))
}
