package handlers

import "github.com/labstack/echo/v4"

// selfServiceRoutes registers Reset Account and Recover Account (issue 6).
func (h *Handlers) selfServiceRoutes(g *echo.Group) {
	g.GET("/reset", h.coming("side.self.reset", "coming.reset"))
	g.GET("/recover", h.coming("side.self.recover", "coming.recover"))
}
