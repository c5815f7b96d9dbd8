package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// The agents' desk: the queue (desk_queue.go, kept by desk_queuecache.go), a
// ticket (desk_ticket.go), and the admins' pages (desk_admin.go,
// desk_managers.go). This file is the way in, shared by all: only staff
// (agents and admins) get in, with either session style: the 1-Click cookie,
// or the token in a hidden field of POST forms (every desk page then answers
// POST too, and every navigation on it is a one-button form).

// Message IDs the desk's handlers use (the locale test finds Msg… constants).
const (
	MsgDeskSignIn        = "desk.signin"
	MsgDeskStaffOnly     = "desk.staff_only"
	MsgDeskAdminOnly     = "desk.admin_only"
	MsgDeskFilterInvalid = "desk.filter.invalid"
	MsgDeskStatusInvalid = "desk.status.invalid"
	MsgDeskTimeInvalid   = "desk.reply.time_invalid"
	MsgDeskTopicInvalid  = "desk.topics.invalid"

	MsgDeskDoneReplied  = "desk.done.replied"
	MsgDeskDoneNoted    = "desk.done.noted"
	MsgDeskDoneAssigned = "desk.done.assigned"
	MsgDeskDoneStatus   = "desk.done.status"
	MsgDeskDonePriority = "desk.done.priority"
	MsgDeskDoneSaved    = "desk.done.saved"
	MsgDeskDoneDeleted  = "desk.done.deleted"
)

// deskPageSize is how many tickets one page of the queue lists.
const deskPageSize = 20

// deskVisit is what a desk handler knows of the agent.
type deskVisit struct {
	s     *accounts.Session
	frame views.DeskFrame
}

func (d deskVisit) viewer() tickets.Viewer { return tickets.Viewer{Session: d.s} }

// withDesk runs fn for a signed-in staff member. Without a session the staff
// login says why; a session that is not staff's is refused.
func (h *Handlers) withDesk(c echo.Context, here string, fn func(d deskVisit) error) error {
	if token, _ := h.sessionToken(c); token == "" {
		return h.deskLogin(c, MsgDeskSignIn)
	}
	load := h.session
	// The queue's and a ticket's presence polling (desk_triage.go).
	if strings.HasSuffix(c.Path(), "/desk/poll") || strings.HasSuffix(c.Path(), "/presence") {
		load = h.peekSession // polling is no sign of a person at the desk
	}
	s, formToken, err := load(c)
	if err != nil {
		if errs.MessageIDOf(err) == accounts.MsgSessionExpired {
			h.endCookie(c)
			return h.deskLogin(c, accounts.MsgSessionExpired)
		}
		return err
	}
	if !s.Role.Staff() {
		return errs.E(errs.Forbidden, MsgDeskStaffOnly)
	}
	if gated, err := h.secondFactorGate(c, s, formToken); gated || err != nil { // desk_staff.go
		return err
	}
	if err := h.enterDesk(c, s); err != nil {
		return err
	}
	unread, err := h.notifyUnread(c.Request().Context(), s) // desk_notify.go
	if err != nil {
		return err
	}
	return fn(deskVisit{s: s, frame: views.DeskFrame{Token: formToken, Admin: s.Role == accounts.Admin, Here: here, Unread: unread}})
}

// withAdmin is withDesk for the admins' pages.
func (h *Handlers) withAdmin(c echo.Context, here string, fn func(d deskVisit) error) error {
	return h.withDesk(c, here, func(d deskVisit) error {
		if !d.frame.Admin {
			return errs.E(errs.Forbidden, MsgDeskAdminOnly)
		}
		return fn(d)
	})
}

// deskLogin is the staff login, refused status, with the reason; an HTMX
// request (the queue's polling) gets the reason alone, which ends the polling.
func (h *Handlers) deskLogin(c echo.Context, msgID string) error {
	return h.render(c, http.StatusForbidden,
		views.LoginPage(views.LoginView{Kind: "staff", OneClick: true, ErrorID: msgID}),
		views.ErrorFragment(views.ErrorView{Status: http.StatusForbidden, TitleID: "error.forbidden.title", MessageID: msgID}))
}

func (h *Handlers) enterDesk(c echo.Context, s *accounts.Session) error {
	if _, done := h.deskEntered.Get(0, s.ID); done {
		return nil
	}
	ctx := c.Request().Context()
	p, err := h.Accounts.Profile(ctx, s)
	if err != nil {
		return err
	}
	if err := h.Tickets.EnterDesk(ctx, s, p.Name); err != nil {
		return err
	}
	if err := h.notifyEnter(ctx, s, p); err != nil { // desk_notify.go
		return err
	}
	h.deskEntered.Put(0, s.ID, true)
	return nil
}
