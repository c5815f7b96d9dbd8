package handlers

import "github.com/labstack/echo/v4"

// deskRoutes registers the agents' desk (issue 5).
func (h *Handlers) deskRoutes(*echo.Group) {}
