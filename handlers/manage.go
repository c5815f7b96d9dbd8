package handlers

import "github.com/labstack/echo/v4"

// managerRoutes registers the account managers' area (issue 6).
func (h *Handlers) managerRoutes(*echo.Group) {}
