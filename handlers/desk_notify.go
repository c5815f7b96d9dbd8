package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/notify"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// The agents' notifications (issue 14, internal/notify): the list with its
// "mark read" forms, the settings (channels per kind, followed topics), and
// the unread count every desk page shows in its menu, which the queue's
// polling (desk_queue.go) refreshes. Everything works without JavaScript;
// with a 1-Click cookie a change redirects (303) to the page, with a token
// the page is answered at once.

// Message IDs of the notifications' pages.
const (
	MsgNotifyDoneRead     = "notify.done.read"
	MsgNotifyDoneAll      = "notify.done.all"
	MsgNotifyDoneSaved    = "notify.done.saved"
	MsgNotifyTopicInvalid = "notify.settings.invalid"
)

var notifyNotices = map[string]string{"read": MsgNotifyDoneRead, "all": MsgNotifyDoneAll, "saved": MsgNotifyDoneSaved}

// notifyListSize is how many notifications the list shows, newest first.
const notifyListSize = 50

// notifyEnter records where the agent's notification mail goes (enterDesk).
func (h *Handlers) notifyEnter(ctx context.Context, s *accounts.Session, p *accounts.Profile) error {
	if h.Notify == nil {
		return nil
	}
	lang := p.Lang
	if lang == "" {
		lang = s.Lang
	}
	return h.Notify.Enter(ctx, s.AccountID, p.Email, lang)
}

// notifyUnread is the agent's unread count for the menu (withDesk): one
// index-only count.
func (h *Handlers) notifyUnread(ctx context.Context, s *accounts.Session) (int, error) {
	if h.Notify == nil {
		return 0, nil
	}
	return h.Notify.Unread(ctx, s.AccountID)
}

// notifySeen marks the agent's notifications of a ticket they opened read
// and returns the menu's count after it.
func (h *Handlers) notifySeen(ctx context.Context, d deskVisit, ticketID int64) (int, error) {
	if h.Notify == nil || d.frame.Unread == 0 {
		return d.frame.Unread, nil
	}
	n, err := h.Notify.MarkTicketRead(ctx, d.s.AccountID, ticketID)
	return max(d.frame.Unread-n, 0), err
}

func (h *Handlers) deskNotify(c echo.Context) error {
	return h.withDesk(c, "notifications", func(d deskVisit) error {
		return h.deskNotifyPage(c, d, notifyNotices[c.QueryParam("done")], "", http.StatusOK)
	})
}

func (h *Handlers) deskNotifyPage(c echo.Context, d deskVisit, noticeID, errorID string, status int) error {
	items, err := h.Notify.List(c.Request().Context(), d.s.AccountID, notifyListSize)
	if err != nil {
		return err
	}
	v := views.DeskNotifyView{DeskFrame: d.frame, Items: items, NoticeID: noticeID, ErrorID: errorID}
	return h.render(c, status, views.DeskNotifyPage(v), views.DeskNotifyPage(v))
}

// deskNotifyAfter answers a change: a redirect with a 1-Click cookie, the
// page at once with a token.
func (h *Handlers) deskNotifyAfter(c echo.Context, d deskVisit, path, done string, page func() error) error {
	if d.frame.Token == "" {
		return c.Redirect(http.StatusSeeOther, views.HrefQuery(c.Request().Context(), path, url.Values{"done": {done}}))
	}
	return page()
}

// deskNotifyRead marks one notification (id) or all of them (all=1) read.
func (h *Handlers) deskNotifyRead(c echo.Context) error {
	return h.withDesk(c, "notifications", func(d deskVisit) error {
		ctx := c.Request().Context()
		done := "all"
		if c.FormValue("all") == "1" {
			if err := h.Notify.MarkAllRead(ctx, d.s.AccountID); err != nil {
				return err
			}
		} else {
			done = "read"
			id, err := strconv.ParseInt(c.FormValue("id"), 10, 64)
			if err == nil {
				err = h.Notify.MarkRead(ctx, d.s.AccountID, id)
			} else {
				err = errs.E(errs.NotFound, notify.MsgNotFound)
			}
			if err != nil {
				if !errs.IsRefusal(err) {
					return err
				}
				return h.deskNotifyPage(c, d, "", errs.MessageIDOf(err), classify(err).Status)
			}
		}
		unread, err := h.notifyUnread(ctx, d.s)
		if err != nil {
			return err
		}
		d.frame.Unread = unread
		return h.deskNotifyAfter(c, d, "/desk/notifications", done, func() error {
			return h.deskNotifyPage(c, d, notifyNotices[done], "", http.StatusOK)
		})
	})
}

func (h *Handlers) deskNotifySettings(c echo.Context) error {
	return h.withDesk(c, "notifications", func(d deskVisit) error {
		p, err := h.Notify.Prefs(c.Request().Context(), d.s.AccountID)
		if err != nil {
			return err
		}
		return h.deskNotifySettingsPage(c, d, p, notifyNotices[c.QueryParam("done")], "", http.StatusOK)
	})
}

func (h *Handlers) deskNotifySettingsPage(c echo.Context, d deskVisit, p notify.Prefs, noticeID, errorID string, status int) error {
	ctx := c.Request().Context()
	topics, _, err := h.deskChoices(ctx, lang(c), h.Tickets.Version())
	if err != nil {
		return err
	}
	prof, err := h.Accounts.Profile(ctx, d.s)
	if err != nil {
		return err
	}
	v := views.DeskNotifySettingsView{DeskFrame: d.frame, Prefs: p, Topics: topics, Handle: tickets.MentionHandle(prof.Name),
		NoticeID: noticeID, ErrorID: errorID}
	return h.render(c, status, views.DeskNotifySettingsPage(v), views.DeskNotifySettingsPage(v))
}

// deskNotifySave saves the settings form: a checkbox per kind and channel,
// and the followed topics, each one of the desk's. A topic that is not is
// explained, the form shown again as sent.
func (h *Handlers) deskNotifySave(c echo.Context) error {
	return h.withDesk(c, "notifications", func(d deskVisit) error {
		ctx := c.Request().Context()
		form, err := c.FormParams()
		if err != nil {
			return err
		}
		p := notify.Prefs{Channels: map[notify.Kind]notify.Channels{}}
		for _, k := range notify.Kinds {
			p.Channels[k] = notify.Channels{Desk: form.Get("desk-"+string(k)) == "1", Mail: form.Get("mail-"+string(k)) == "1"}
		}
		topics, _, err := h.deskChoices(ctx, lang(c), h.Tickets.Version())
		if err != nil {
			return err
		}
		for _, t := range form["topic"] {
			if !slices.ContainsFunc(topics, func(x tickets.TopicName) bool { return x.Key == t }) {
				return h.deskNotifySettingsPage(c, d, p, "", MsgNotifyTopicInvalid, http.StatusBadRequest)
			}
			if !slices.Contains(p.Topics, t) {
				p.Topics = append(p.Topics, t)
			}
		}
		if err := h.Notify.SavePrefs(ctx, d.s.AccountID, p); err != nil {
			return err
		}
		return h.deskNotifyAfter(c, d, "/desk/notifications/settings", "saved", func() error {
			return h.deskNotifySettingsPage(c, d, p, MsgNotifyDoneSaved, "", http.StatusOK)
		})
	})
}
