package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// readyz answers a load balancer or an orchestrator: 200 "ready" when this
// instance can take traffic, 503 with one short line saying why not (the
// database does not answer, migrations are pending, the outbox is stuck:
// ops.Readiness, cached for a second). /healthz only says the process is
// alive. Plain text for machines: no page, no cookie, nothing personal.
func (h *Handlers) readyz(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	if h.Ready != nil {
		if reason := h.Ready.Check(c.Request().Context()); reason != "" {
			return c.String(http.StatusServiceUnavailable, "not ready: "+reason+"\n")
		}
	}
	return c.String(http.StatusOK, "ready\n")
}
