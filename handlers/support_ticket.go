package handlers

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// Following a ticket: by reference and access key (the key in hidden fields
// of the page's forms after the one e-mailed link), the ticket page, and My
// tickets in My account.

func (h *Handlers) toTicket(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, views.Href(c.Request().Context(), "/support/tickets/"+cleanRef(c.Param("ref"))))
}

// cleanRef is a reference as typed: trimmed, upper case, at most 40 bytes.
func cleanRef(ref string) string {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	if len(ref) > 40 || !utf8.ValidString(ref) {
		return ""
	}
	return ref
}

// cleanKey is an access key as typed: spaces and dashes do not matter to the
// service; only its length is bounded here.
func cleanKey(key string) string {
	key = strings.TrimSpace(key)
	if len(key) > 100 || !utf8.ValidString(key) {
		return ""
	}
	return key
}

func (h *Handlers) followForm(c echo.Context) error {
	return h.render(c, http.StatusOK, views.FollowPage(views.FollowView{Reference: cleanRef(c.QueryParam("ref"))}), nil)
}

// refusedAccess shows the follow form with the one message a wrong
// reference and a wrong key share, or passes on another failure.
func (h *Handlers) refusedAccess(c echo.Context, ref, key string, err error) error {
	id := errs.MessageIDOf(err)
	if id != tickets.MsgAccessDenied && id != tickets.MsgTooManyAttempts && id != "error.rate_limited" && id != tickets.MsgNotAllowed {
		return err
	}
	if id == tickets.MsgNotAllowed {
		id = tickets.MsgAccessDenied
	}
	st := classify(err).Status
	if st == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "60")
	}
	return h.render(c, st, views.FollowPage(views.FollowView{Reference: ref, AccessKey: key,
		Errors: []views.FieldError{{MessageID: id}}}), nil)
}

// limited runs the per-address limit of following tickets by hand, so a
// refusal can keep what was typed.
func limited(limit echo.MiddlewareFunc, c echo.Context) error {
	return limit(func(echo.Context) error { return nil })(c)
}

// followTicket opens a ticket by reference and access key.
func (h *Handlers) followTicket(limit echo.MiddlewareFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ref, key := cleanRef(c.FormValue("ref")), cleanKey(c.FormValue("key"))
		if err := limited(limit, c); err != nil {
			return h.refusedAccess(c, ref, key, err)
		}
		if ref == "" || key == "" {
			return h.refusedAccess(c, ref, key, errs.E(errs.Forbidden, tickets.MsgAccessDenied))
		}
		return h.showTicket(c, ref, tickets.Viewer{Reference: ref, AccessKey: key, Address: c.RealIP()}, []views.Hidden{{Name: "key", Value: key}}, http.StatusOK, nil)
	}
}

// viewer is who asks for ticket ref: a guest with the access key (a form
// field; in the query only for the e-mailed link, GET), else the signed-in
// session. ok is false for neither.
func (h *Handlers) viewer(c echo.Context, ref string, keyInQuery bool) (v tickets.Viewer, access []views.Hidden, ok bool) {
	key := ""
	if c.Request().Method == http.MethodPost {
		key = c.Request().PostFormValue("key")
	} else if keyInQuery {
		key = c.QueryParam("key")
	}
	if key = cleanKey(key); key != "" {
		return tickets.Viewer{Reference: ref, AccessKey: key, Address: c.RealIP()}, []views.Hidden{{Name: "key", Value: key}}, true
	}
	if s, token := h.optionalSession(c); s != nil {
		if token != "" {
			access = []views.Hidden{{Name: "token", Value: token}}
		}
		return tickets.Viewer{Session: s}, access, true
	}
	return tickets.Viewer{}, nil, false
}

// ticketGet is the e-mailed link (?key=…), or a signed-in customer's ticket
// by its 1-Click cookie; anyone else is asked for the access key.
func (h *Handlers) ticketGet(limit echo.MiddlewareFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ref := cleanRef(c.Param("ref"))
		if err := limited(limit, c); err != nil {
			return h.refusedAccess(c, ref, "", err)
		}
		v, access, ok := h.viewer(c, ref, true)
		if !ok {
			return h.render(c, http.StatusOK, views.FollowPage(views.FollowView{Reference: ref}), nil)
		}
		return h.showTicket(c, ref, v, access, http.StatusOK, nil)
	}
}

// ticketPost shows the ticket to a form that carries the key or the token.
func (h *Handlers) ticketPost(limit echo.MiddlewareFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ref := cleanRef(c.Param("ref"))
		if err := limited(limit, c); err != nil {
			return h.refusedAccess(c, ref, "", err)
		}
		v, access, ok := h.viewer(c, ref, false)
		if !ok {
			return h.refusedAccess(c, ref, "", errs.E(errs.Forbidden, tickets.MsgAccessDenied))
		}
		return h.showTicket(c, ref, v, access, http.StatusOK, nil)
	}
}

// showTicket opens the ticket for v and renders it; adjust sets what a
// change adds (its notice, a refusal with what was typed).
func (h *Handlers) showTicket(c echo.Context, ref string, v tickets.Viewer, access []views.Hidden, status int, adjust func(*views.TicketView)) error {
	t, err := h.Tickets.Open(c.Request().Context(), v, ref)
	if err != nil {
		key := ""
		if v.Session == nil {
			key = v.AccessKey
		}
		return h.refusedAccess(c, ref, key, err)
	}
	tv := h.ticketView(c, t, v, access)
	if adjust != nil {
		adjust(&tv)
	}
	return h.render(c, status, views.TicketPage(tv), nil)
}

func (h *Handlers) ticketView(c echo.Context, t *tickets.Ticket, viewer tickets.Viewer, access []views.Hidden) views.TicketView {
	ctx := c.Request().Context()
	lim := h.Tickets.Limits()
	v := views.TicketView{
		Reference: t.Reference, Subject: t.Subject, Topic: h.topicName(c, t.Topic), Status: string(t.Status), Comment: t.Comment,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Access: access, MergedInto: t.MergedInto,
		CanReply: t.CanReply, CanClose: t.CanClose, CanReopen: t.CanReopen, CanRate: t.CanRate,
		ReplyFormID: newFormID(), MaxFiles: lim.MaxAttachments, MaxFileSize: lim.MaxAttachmentBytes,
	}
	for _, hdn := range access {
		if hdn.Name == "token" {
			v.Token = hdn.Value
		}
	}
	v.SignedIn = viewer.Session != nil
	if t.Rating != nil {
		v.Rating = &views.RatingView{Score: t.Rating.Score, Comment: t.Rating.Comment, At: t.Rating.At}
	}
	v.Thread = views.ThreadOf(t, time.Now())
	v.Thread.Hidden = access
	ref := t.Reference
	v.Thread.AttachmentURL = func(id int64) string {
		return views.Href(ctx, "/support/tickets/"+ref+"/attachments/"+strconv.FormatInt(id, 10))
	}
	return v
}

// topicName is a topic's name in the page's language (its key if unknown).
func (h *Handlers) topicName(c echo.Context, key string) string {
	topics, err := h.Tickets.Topics(c.Request().Context(), lang(c), true)
	if err != nil {
		return key
	}
	for _, t := range topics {
		if t.Key == key {
			return t.Name
		}
	}
	return key
}

// myTickets is My tickets in My account: the account's tickets (an empty
// list for none). A failure is logged and leaves the list out: My account,
// and signing out, must keep working.
func (h *Handlers) myTickets(c echo.Context, s *accounts.Session) []views.TicketLine {
	list, err := h.Tickets.ForAccount(c.Request().Context(), s)
	if err != nil {
		if clientGone(c, err) {
			return nil
		}
		h.Log.LogAttrs(c.Request().Context(), slog.LevelError, "my tickets", slog.String("error", err.Error()))
		return nil
	}
	lines := make([]views.TicketLine, 0, len(list))
	for _, t := range list {
		lines = append(lines, views.TicketLine{Reference: t.Reference, Subject: t.Subject, Status: string(t.Status), UpdatedAt: t.UpdatedAt, Unread: t.Unread})
	}
	return lines
}
