package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// The admins' pages at the desk: topics, canned replies, the outbox (the
// account managers' page is in desk_managers.go).

func (h *Handlers) deskTopics(c echo.Context) error {
	return h.withAdmin(c, "topics", func(d deskVisit) error {
		return h.deskTopicsPage(c, d, http.StatusOK, "", "", tickets.Topic{})
	})
}

// deskTopicsPage lists every topic with its name in every language.
func (h *Handlers) deskTopicsPage(c echo.Context, d deskVisit, status int, noticeID, errorID string, fresh tickets.Topic) error {
	ctx := c.Request().Context()
	var list []tickets.Topic
	index := map[string]int{}
	for _, code := range h.Locales.Languages() {
		names, err := h.Tickets.Topics(ctx, code, true)
		if err != nil {
			return err
		}
		for i, n := range names {
			j, ok := index[n.Key]
			if !ok {
				j = len(list)
				index[n.Key] = j
				list = append(list, tickets.Topic{Key: n.Key, Names: map[string]string{}, Position: (i + 1) * 10, Active: n.Active})
			}
			list[j].Names[code] = n.Name
		}
	}
	if fresh.Names == nil {
		fresh.Names = map[string]string{}
		fresh.Position = (len(list) + 1) * 10
	}
	return h.render(c, status, views.DeskTopicsPage(views.DeskTopicsView{DeskFrame: d.frame, Topics: list, New: fresh,
		NoticeID: noticeID, ErrorID: errorID}), nil)
}

func (h *Handlers) deskSaveTopic(c echo.Context) error {
	return h.withAdmin(c, "topics", func(d deskVisit) error {
		t := tickets.Topic{Key: strings.TrimSpace(c.FormValue("key")), Names: map[string]string{}, Active: c.FormValue("active") == "on"}
		for _, code := range h.Locales.Languages() {
			if n := strings.TrimSpace(c.FormValue("name_" + code)); n != "" {
				t.Names[code] = n
			}
		}
		pos, err := strconv.Atoi(c.FormValue("position"))
		if err != nil || pos < 0 {
			return h.deskTopicsPage(c, d, http.StatusBadRequest, "", MsgDeskTopicInvalid, t)
		}
		t.Position = pos
		if err := h.Tickets.SaveTopic(c.Request().Context(), d.viewer(), t); err != nil {
			if !errs.IsRefusal(err) {
				return err
			}
			return h.deskTopicsPage(c, d, classify(err).Status, "", errs.MessageIDOf(err), t)
		}
		return h.deskTopicsPage(c, d, http.StatusOK, MsgDeskDoneSaved, "", tickets.Topic{})
	})
}

// deskCannedLang is the language of the canned replies shown: the form's
// choice, else the page's.
func (h *Handlers) deskCannedLang(c echo.Context) string {
	if l := c.FormValue("lang"); h.Locales.Supported(l) {
		return l
	}
	return lang(c)
}

func (h *Handlers) deskCanned(c echo.Context) error {
	return h.withAdmin(c, "canned", func(d deskVisit) error {
		return h.deskCannedPage(c, d, http.StatusOK, "", "", tickets.Canned{})
	})
}

func (h *Handlers) deskCannedPage(c echo.Context, d deskVisit, status int, noticeID, errorID string, fresh tickets.Canned) error {
	l := h.deskCannedLang(c)
	list, err := h.Tickets.CannedReplies(c.Request().Context(), l)
	if err != nil {
		return err
	}
	if fresh.ID != 0 { // a refused change of an existing reply: show what was typed there
		for i := range list {
			if list[i].ID == fresh.ID {
				list[i] = fresh
			}
		}
		fresh = tickets.Canned{}
	}
	return h.render(c, status, views.DeskCannedPage(views.DeskCannedView{DeskFrame: d.frame, Lang: l, Canned: list, New: fresh,
		NoticeID: noticeID, ErrorID: errorID}), nil)
}

func (h *Handlers) deskSaveCanned(c echo.Context) error {
	return h.withAdmin(c, "canned", func(d deskVisit) error {
		id, err := strconv.ParseInt(c.FormValue("id"), 10, 64)
		cr := tickets.Canned{ID: id, Lang: h.deskCannedLang(c), Title: c.FormValue("title"), Body: c.FormValue("body")}
		if err != nil || id < 0 {
			cr.ID = 0
			return h.deskCannedPage(c, d, http.StatusBadRequest, "", tickets.MsgCannedInvalid, cr)
		}
		if err := h.Tickets.SaveCanned(c.Request().Context(), d.viewer(), cr); err != nil {
			if !errs.IsRefusal(err) {
				return err
			}
			return h.deskCannedPage(c, d, classify(err).Status, "", errs.MessageIDOf(err), cr)
		}
		return h.deskCannedPage(c, d, http.StatusOK, MsgDeskDoneSaved, "", tickets.Canned{})
	})
}

func (h *Handlers) deskDeleteCanned(c echo.Context) error {
	return h.withAdmin(c, "canned", func(d deskVisit) error {
		id, err := strconv.ParseInt(c.FormValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return h.deskCannedPage(c, d, http.StatusBadRequest, "", tickets.MsgCannedInvalid, tickets.Canned{})
		}
		if err := h.Tickets.DeleteCanned(c.Request().Context(), d.viewer(), id); err != nil {
			if !errs.IsRefusal(err) {
				return err
			}
			return h.deskCannedPage(c, d, classify(err).Status, "", errs.MessageIDOf(err), tickets.Canned{})
		}
		return h.deskCannedPage(c, d, http.StatusOK, MsgDeskDoneDeleted, "", tickets.Canned{})
	})
}

// deskOutbox lists the mail waiting to leave (with no SMTP server, all of
// it): when it was queued, its attempts and last error, never its content.
func (h *Handlers) deskOutbox(c echo.Context) error {
	return h.withAdmin(c, "outbox", func(d deskVisit) error {
		v := views.DeskOutboxView{DeskFrame: d.frame}
		list, err := h.Outbox.List(c.Request().Context())
		if err != nil {
			return errs.Wrap(err, "desk: list the outbox")
		}
		for _, q := range list {
			v.Mail = append(v.Mail, views.DeskMail{ID: q.MessageID, Failed: q.Failed, Attempts: q.Attempts,
				Created: q.CreatedAt, NextAttempt: q.NextAttemptAt, LastError: q.LastError})
		}
		return h.render(c, http.StatusOK, views.DeskOutboxPage(v), nil)
	})
}
