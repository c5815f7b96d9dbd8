package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/views"
)

// The admins' staff page (issue 14): every staff account with role, state,
// second factor and last sign-in; invitations by e-mail (the usercode goes to
// the invitee only: the page never sees it); role changes, disabling and
// re-enabling; the policy that staff use a second factor. The domain
// (accounts.StaffAdmin) checks the administrator and the last-admin rule and
// puts every change on the record. And the gate the policy puts before every
// desk and editor page (secondFactorGate).

// Message IDs of the staff page's notices (locales/staff.*.toml).
const (
	MsgStaffDoneInvited   = "staff.done.invited"
	MsgStaffDoneRole      = "staff.done.role"
	MsgStaffDoneDisabled  = "staff.done.disabled"
	MsgStaffDoneEnabled   = "staff.done.enabled"
	MsgStaffDonePolicy    = "staff.done.policy"
	MsgStaffDoneWithdrawn = "staff.done.withdrawn"
)

func (h *Handlers) deskStaff(c echo.Context) error {
	return h.withAdmin(c, "staff", func(d deskVisit) error {
		return h.deskStaffPage(c, d, http.StatusOK, views.StaffView{})
	})
}

func (h *Handlers) deskStaffPage(c echo.Context, d deskVisit, status int, v views.StaffView) error {
	ctx := c.Request().Context()
	list, err := h.Accounts.AsAdmin(d.s).List(ctx)
	if err != nil {
		return err
	}
	agents, err := h.Tickets.Agents(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, a := range agents {
		names[a.ID] = a.Name
	}
	if v.RequireTOTP, err = h.Accounts.StaffPolicy(ctx); err != nil {
		return err
	}
	v.DeskFrame, v.Me, v.Languages = d.frame, d.s.AccountID, h.Locales.Languages()
	if v.Invite.Lang == "" {
		v.Invite.Lang = lang(c)
	}
	if v.Invite.Role == "" {
		v.Invite.Role = string(accounts.Agent)
	}
	for _, s := range list {
		v.Staff = append(v.Staff, views.StaffLine{ID: s.ID, Name: names[s.ID], MaskedEmail: s.MaskedEmail, Role: string(s.Role),
			State: string(s.State), SecondFactor: s.SecondFactor, LastSignIn: s.LastSignIn})
	}
	return h.render(c, status, views.StaffPage(v), nil)
}

// deskStaffRefused shows a refused change on the page with its localized
// reason (keeping what was typed); anything else is an error.
func (h *Handlers) deskStaffRefused(c echo.Context, d deskVisit, err error, v views.StaffView) error {
	if !errs.IsRefusal(err) || errs.MessageIDOf(err) == "" {
		return err
	}
	v.ErrorID = errs.MessageIDOf(err)
	return h.deskStaffPage(c, d, classify(err).Status, v)
}

func (h *Handlers) deskStaffInvite(c echo.Context) error {
	return h.withAdmin(c, "staff", func(d deskVisit) error {
		inv := views.StaffInviteForm{Name: c.FormValue("name"), Email: strings.TrimSpace(c.FormValue("email")),
			Lang: c.FormValue("lang"), Role: c.FormValue("role")}
		_, err := h.Accounts.AsAdmin(d.s).Invite(c.Request().Context(), accounts.StaffInvite{Name: inv.Name, Email: inv.Email,
			Lang: inv.Lang, Role: accounts.Role(inv.Role)})
		if err != nil {
			return h.deskStaffRefused(c, d, err, views.StaffView{Invite: inv})
		}
		return h.deskStaffPage(c, d, http.StatusOK, views.StaffView{NoticeID: MsgStaffDoneInvited})
	})
}

// staffTarget is the account id a staff form names; 0 when malformed.
func staffTarget(c echo.Context) int64 {
	id, err := strconv.ParseInt(c.FormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

func (h *Handlers) deskStaffRole(c echo.Context) error {
	return h.withAdmin(c, "staff", func(d deskVisit) error {
		id := staffTarget(c)
		if id == 0 {
			return h.deskStaffRefused(c, d, errs.E(errs.Invalid, accounts.MsgStaffNotFound), views.StaffView{})
		}
		if err := h.Accounts.AsAdmin(d.s).SetRole(c.Request().Context(), id, accounts.Role(c.FormValue("role"))); err != nil {
			return h.deskStaffRefused(c, d, err, views.StaffView{})
		}
		if id == d.s.AccountID && accounts.Role(c.FormValue("role")) != d.s.Role { // their own role: their session ended with the change
			h.endCookie(c)
			return h.deskLogin(c, accounts.MsgSessionExpired)
		}
		return h.deskStaffPage(c, d, http.StatusOK, views.StaffView{NoticeID: MsgStaffDoneRole})
	})
}

func (h *Handlers) deskStaffState(c echo.Context) error {
	return h.withAdmin(c, "staff", func(d deskVisit) error {
		id := staffTarget(c)
		if id == 0 {
			return h.deskStaffRefused(c, d, errs.E(errs.Invalid, accounts.MsgStaffNotFound), views.StaffView{})
		}
		if c.FormValue("action") == "withdraw" {
			if err := h.Accounts.AsAdmin(d.s).Withdraw(c.Request().Context(), id); err != nil {
				return h.deskStaffRefused(c, d, err, views.StaffView{})
			}
			return h.deskStaffPage(c, d, http.StatusOK, views.StaffView{NoticeID: MsgStaffDoneWithdrawn})
		}
		enable := c.FormValue("action") == "enable"
		if err := h.Accounts.AsAdmin(d.s).SetEnabled(c.Request().Context(), id, enable); err != nil {
			return h.deskStaffRefused(c, d, err, views.StaffView{})
		}
		if id == d.s.AccountID && !enable {
			h.endCookie(c)
			return h.deskLogin(c, accounts.MsgSessionExpired)
		}
		notice := MsgStaffDoneDisabled
		if enable {
			notice = MsgStaffDoneEnabled
		}
		return h.deskStaffPage(c, d, http.StatusOK, views.StaffView{NoticeID: notice})
	})
}

func (h *Handlers) deskStaffPolicy(c echo.Context) error {
	return h.withAdmin(c, "staff", func(d deskVisit) error {
		err := h.Accounts.AsAdmin(d.s).SetPolicy(c.Request().Context(), c.FormValue("require") == "on")
		h.forgetSecondFactors()
		if err != nil {
			return h.deskStaffRefused(c, d, err, views.StaffView{})
		}
		return h.deskStaffPage(c, d, http.StatusOK, views.StaffView{NoticeID: MsgStaffDonePolicy})
	})
}

// secondFactorKey is whose answer Handlers.secondFactors keeps.
type secondFactorKey struct {
	account int64
	role    accounts.Role
}

// secondFactorTTL bounds how long an answer holds when the change came from
// where nothing announces it (the command line, a write by hand); a change
// through the service (the policy, a second factor set up, turned off or
// reset) drops every answer of this instance at once
// (forgetSecondFactors), and of the other instances on PostgreSQL within a
// second (accounts' OnSecondFactorChange → store.Changes, wiring.go).
const secondFactorTTL = 10 * time.Second

// needsSecondFactor is accounts.NeedsSecondFactor, kept per account and
// role for secondFactorTTL: every desk and editor request asks it.
func (h *Handlers) needsSecondFactor(ctx context.Context, s *accounts.Session) (bool, error) {
	if s == nil {
		return false, nil
	}
	gen, key := h.secondFactorGen.Load(), secondFactorKey{account: s.AccountID, role: s.Role}
	if need, ok := h.secondFactors.Get(gen, key); ok {
		return need, nil
	}
	need, err := h.Accounts.NeedsSecondFactor(ctx, s)
	if err == nil {
		h.secondFactors.Put(gen, key, need)
	}
	return need, err
}

// forgetSecondFactors drops every kept answer of needsSecondFactor: the
// policy or an account's second factor changed.
func (h *Handlers) forgetSecondFactors() { h.secondFactorGen.Add(1) }

// secondFactorGate answers, for a staff session the policy sends to set up a
// second factor first, the page that says so (true: answered). Every desk
// and editor page passes through it.
func (h *Handlers) secondFactorGate(c echo.Context, s *accounts.Session, formToken string) (bool, error) {
	need, err := h.needsSecondFactor(c.Request().Context(), s)
	if err != nil || !need {
		return false, err
	}
	return true, h.render(c, http.StatusForbidden, views.StaffTOTPRequiredPage(formToken),
		views.ErrorFragment(views.ErrorView{Status: http.StatusForbidden, TitleID: "error.forbidden.title", MessageID: "staff.totp_required.text"}))
}
