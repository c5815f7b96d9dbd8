package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/views"
)

// The admins' page for account managers: grant or revoke the Manager role of
// the user accounts registered with an e-mail address. The answer says only
// how many accounts changed; each change is in the role audit the page lists
// (ids and times, no address).

const roleAuditLines = 20

func (h *Handlers) deskManagers(c echo.Context) error {
	return h.withAdmin(c, "managers", func(d deskVisit) error {
		return h.deskManagersPage(c, d, http.StatusOK, views.DeskManagersView{})
	})
}

func (h *Handlers) deskManagersPage(c echo.Context, d deskVisit, status int, v views.DeskManagersView) error {
	log, err := h.Accounts.RoleAudit(c.Request().Context(), d.s, roleAuditLines)
	if err != nil {
		return err
	}
	v.DeskFrame = d.frame
	for _, e := range log {
		v.Audit = append(v.Audit, views.DeskRoleLine{At: e.At, AccountID: e.AccountID, AdminID: e.AdminID, Granted: e.Action == accounts.ManagerGranted})
	}
	return h.render(c, status, views.DeskManagersPage(v), nil)
}

func (h *Handlers) deskSaveManager(c echo.Context) error {
	return h.withAdmin(c, "managers", func(d deskVisit) error {
		v := views.DeskManagersView{Email: c.FormValue("email")}
		grant := c.FormValue("action") != "revoke"
		n, err := h.Accounts.SetManager(c.Request().Context(), d.s, v.Email, grant)
		if err != nil {
			if errs.MessageIDOf(err) != accounts.MsgEmailInvalid {
				return err
			}
			v.ErrorID = accounts.MsgEmailInvalid
			return h.deskManagersPage(c, d, classify(err).Status, v)
		}
		v.Email, v.Count, v.Done, v.Revoked = "", n, true, !grant
		return h.deskManagersPage(c, d, http.StatusOK, v)
	})
}
