package handlers

import (
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/links"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// A ticket at the desk: the thread, its files, and the changes agents make
// (reply, note, assign, status, priority).

// deskTicketState is what a ticket page shows besides the ticket: the reply
// and note being written (kept when refused) and what just happened.
type deskTicketState struct {
	compose           views.DeskCompose
	note              string
	noticeID, errorID string
	errorArgs         []any
	status            int
}

// deskNotices are the notices a 1-Click action leaves in the address it sends
// the browser back to (?done=…): only these, so the URL cannot make the page
// say anything else.
var deskNotices = map[string]string{
	"replied":  MsgDeskDoneReplied,
	"noted":    MsgDeskDoneNoted,
	"assigned": MsgDeskDoneAssigned,
	"status":   MsgDeskDoneStatus,
	"priority": MsgDeskDonePriority,
}

func (h *Handlers) deskTicket(c echo.Context) error {
	return h.withDesk(c, "ticket", func(d deskVisit) error {
		st := deskTicketState{status: http.StatusOK}
		if d.frame.Token == "" {
			st.noticeID = deskNotices[c.QueryParam("done")]
		}
		return h.deskTicketPage(c, d, st)
	})
}

func (h *Handlers) deskBackToTicket(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, views.Href(c.Request().Context(), "/desk/tickets/"+url.PathEscape(c.Param("ref"))))
}

func (h *Handlers) deskTicketPage(c echo.Context, d deskVisit, st deskTicketState) error {
	ctx := c.Request().Context()
	ref := c.Param("ref")
	t, err := h.Tickets.Open(ctx, d.viewer(), ref)
	if err != nil {
		return err
	}
	fieldHistoryLabels(t, lang(c))                                             // desk_fields.go
	if err := h.Tickets.RecordRead(ctx, d.viewer(), t.Reference); err != nil { // on the record (desk_audit.go)
		return err
	}
	if d.frame.Unread, err = h.notifySeen(ctx, d, t.ID); err != nil { // desk_notify.go
		return err
	}
	v := views.DeskTicketView{DeskFrame: d.frame, Ticket: t, Me: d.s.AccountID, Compose: st.compose, Note: st.note,
		NoticeID: st.noticeID, ErrorID: st.errorID, ErrorArgs: st.errorArgs, Now: time.Now(), TopicName: t.Topic}
	others, err := h.Tickets.CustomerTickets(ctx, d.viewer(), ref)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.Reference != t.Reference {
			v.Others = append(v.Others, o)
		}
	}
	if v.Agents, err = h.Tickets.Agents(ctx); err != nil {
		return err
	}
	if v.Canned, err = h.Tickets.CannedReplies(ctx, t.Lang); err != nil {
		return err
	}
	topics, err := h.Tickets.Topics(ctx, lang(c), true)
	if err != nil {
		return err
	}
	for _, tp := range topics {
		if tp.Key == t.Topic {
			v.TopicName = tp.Name
		}
	}
	if v.Compose.FormID == "" {
		v.Compose.FormID = rand.Text()
	}
	v.Thread = h.deskThread(c, d, t)
	if v.Triage.Present, err = h.Tickets.Here(ctx, d.viewer(), t.Reference, false); err != nil { // desk_triage.go
		return err
	}
	status := st.status
	if status == 0 {
		status = http.StatusOK
	}
	return h.render(c, status, views.DeskTicketPage(v), nil)
}

// deskThread is the conversation as the desk shows it, its files downloaded
// from the desk.
func (h *Handlers) deskThread(c echo.Context, d deskVisit, t *tickets.Ticket) views.ThreadView {
	ctx := c.Request().Context()
	tv := views.ThreadOf(t, time.Now())
	base := "/desk/tickets/" + url.PathEscape(t.Reference) + "/files/"
	tv.AttachmentURL = func(id int64) string { return views.Href(ctx, base+strconv.FormatInt(id, 10)) }
	if d.frame.Token != "" {
		tv.Hidden = []views.Hidden{{Name: "token", Value: d.frame.Token}}
	}
	return tv
}

// deskFile downloads an attachment of a ticket, never shown inline.
func (h *Handlers) deskFile(c echo.Context) error {
	return h.withDesk(c, "ticket", func(d deskVisit) error {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil {
			return errs.E(errs.NotFound, "error.not_found")
		}
		a, err := h.Tickets.Attachment(c.Request().Context(), d.viewer(), c.Param("ref"), id)
		if err != nil {
			return err
		}
		return sendAttachment(c, a)
	})
}

// deskAfter ends a change: with 1-Click, back to the ticket by a redirect (a
// reload then sends nothing again); without, the ticket page right here, its
// forms carrying the token.
func (h *Handlers) deskAfter(c echo.Context, d deskVisit, done string) error {
	if d.frame.Token == "" {
		return c.Redirect(http.StatusSeeOther, views.HrefQuery(c.Request().Context(),
			"/desk/tickets/"+url.PathEscape(c.Param("ref")), url.Values{"done": {done}}))
	}
	return h.deskTicketPage(c, d, deskTicketState{noticeID: deskNotices[done]})
}

// deskChange runs one change of a ticket; a refusal is explained on the
// ticket's page.
func (h *Handlers) deskChange(c echo.Context, done string, change func(d deskVisit) error) error {
	return h.withDesk(c, "ticket", func(d deskVisit) error {
		if err := change(d); err != nil {
			if !errs.IsRefusal(err) {
				return err
			}
			return h.deskTicketPage(c, d, refusedBy(err, deskTicketState{}))
		}
		return h.deskAfter(c, d, done)
	})
}

func (h *Handlers) deskAssign(c echo.Context) error {
	return h.deskChange(c, "assigned", func(d deskVisit) error {
		var id int64
		switch s := c.FormValue("agent"); s {
		case "me":
			id = d.s.AccountID
		default:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return errs.E(errs.Invalid, tickets.MsgAgentInvalid)
			}
			id = n
		}
		return h.Tickets.Assign(c.Request().Context(), d.viewer(), c.Param("ref"), id)
	})
}

func (h *Handlers) deskStatus(c echo.Context) error {
	return h.deskChange(c, "status", func(d deskVisit) error {
		st := tickets.Status(c.FormValue("status"))
		if !st.Valid() {
			return errs.E(errs.Invalid, MsgDeskStatusInvalid)
		}
		return h.Tickets.SetStatus(c.Request().Context(), d.viewer(), c.Param("ref"), st)
	})
}

func (h *Handlers) deskPriority(c echo.Context) error {
	return h.deskChange(c, "priority", func(d deskVisit) error {
		p := tickets.Priority(c.FormValue("priority"))
		if !p.Valid() {
			return errs.E(errs.Invalid, tickets.MsgPriorityInvalid)
		}
		return h.Tickets.SetPriority(c.Request().Context(), d.viewer(), c.Param("ref"), p)
	})
}

func (h *Handlers) deskNote(c echo.Context) error {
	return h.withDesk(c, "ticket", func(d deskVisit) error {
		body := c.FormValue("body")
		if err := h.Tickets.Note(c.Request().Context(), d.viewer(), c.Param("ref"), body); err != nil {
			if !errs.IsRefusal(err) {
				return err
			}
			return h.deskTicketPage(c, d, refusedBy(err, deskTicketState{note: shown(body)}))
		}
		return h.deskAfter(c, d, "noted")
	})
}

// deskReply is the reply form: "send" sends it; "canned", "find" and
// "link:…" put a canned reply or a help article's link into it and show it
// again (the way it works without JavaScript; with it, desk.js does the same
// in place and asks only for the article search, as a fragment).
func (h *Handlers) deskReply(c echo.Context) error {
	// The text fields first, as a stream under the upload limit: the token
	// is one of them, before the files. The session and the ticket are
	// checked before any file is read.
	p, err := h.readFields(c)
	if err != nil {
		return err
	}
	defer p.close()
	return h.withDesk(c, "ticket", func(d deskVisit) error {
		ctx := c.Request().Context()
		compose := func() views.DeskCompose {
			return views.DeskCompose{Body: shown(p.get("body")), ReleaseAt: shown(p.get("release_at")), ExpiresAt: shown(p.get("expires_at")),
				FormID: shown(p.get("form_id")), Query: shown(p.get("article_q")), Canned: shown(p.get("canned")),
				FilesDropped: p.hasFiles() || p.tooLarge}
		}
		if !p.tooLarge {
			if _, err := h.Tickets.Open(ctx, d.viewer(), c.Param("ref")); err != nil {
				return err
			}
			if err := h.readFiles(c, p); err != nil {
				if errors.Is(err, errUploadBusy) {
					busy(c)
					return h.deskTicketPage(c, d, deskTicketState{compose: compose(), status: http.StatusServiceUnavailable, errorID: MsgUploadBusy})
				}
				return err
			}
		}
		cp := compose()
		if p.tooLarge {
			return h.deskTicketPage(c, d, deskTicketState{compose: cp, status: http.StatusRequestEntityTooLarge,
				errorID: MsgTooLarge, errorArgs: []any{"Size", int(h.uploadLimit() >> 20)}})
		}
		if err := h.load(ctx, p); err != nil {
			return err
		}
		do := p.get("do")
		switch {
		case do == "canned":
			t, err := h.Tickets.Open(ctx, d.viewer(), c.Param("ref"))
			if err != nil {
				return err
			}
			canned, err := h.Tickets.CannedReplies(ctx, t.Lang)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(canned, func(cr tickets.Canned) bool { return strconv.FormatInt(cr.ID, 10) == cp.Canned })
			if i < 0 {
				return h.deskTicketPage(c, d, deskTicketState{compose: cp, errorID: tickets.MsgNotFound, status: http.StatusNotFound})
			}
			cp.Body = joinText(cp.Body, canned[i].Body)
			return h.deskTicketPage(c, d, deskTicketState{compose: cp})
		case do == "find":
			t, err := h.Tickets.Open(ctx, d.viewer(), c.Param("ref"))
			if err != nil {
				return err
			}
			st := deskTicketState{compose: cp}
			if err := h.deskFindArticles(c, t.Lang, &st.compose); err != nil {
				if errs.CodeOf(err) != errs.Invalid {
					return err
				}
				st.status, st.compose.SearchRefused = http.StatusBadRequest, true
			}
			if isFragmentRequest(c) {
				return h.render(c, max(st.status, http.StatusOK), views.DeskArticles(st.compose), views.DeskArticles(st.compose))
			}
			return h.deskTicketPage(c, d, st)
		case strings.HasPrefix(do, "link:"):
			cp.Body = joinText(cp.Body, strings.TrimPrefix(shown(do), "link:"))
			return h.deskTicketPage(c, d, deskTicketState{compose: cp})
		}
		r := tickets.Reply{Body: p.get("body"), Files: p.files, FormID: p.get("form_id")}
		if err := deskTimes(cp, &r); err != nil {
			return h.deskTicketPage(c, d, refusedBy(err, deskTicketState{compose: cp}))
		}
		if err := h.Tickets.Reply(ctx, d.viewer(), c.Param("ref"), r); err != nil {
			if !errs.IsRefusal(err) {
				return err
			}
			return h.deskTicketPage(c, d, refusedBy(err, deskTicketState{compose: cp}))
		}
		return h.deskAfter(c, d, "replied")
	})
}

// refusedBy is st showing why err refused the change.
func refusedBy(err error, st deskTicketState) deskTicketState {
	st.errorID, st.errorArgs, st.status = errs.MessageIDOf(err), errArgs(err), classify(err).Status
	return st
}

// joinText appends text on a line of its own.
func joinText(body, text string) string {
	body = strings.TrimRight(body, " \t\r\n")
	if body == "" {
		return text
	}
	return body + "\n\n" + text
}

// deskFindArticles searches the help articles in the ticket's language (so
// the customer gets a page they read) and offers their absolute links.
func (h *Handlers) deskFindArticles(c echo.Context, ticketLang string, cp *views.DeskCompose) error {
	cp.Searched = true
	if strings.TrimSpace(cp.Query) == "" {
		return nil
	}
	res, err := h.KB.Search(c.Request().Context(), ticketLang, cp.Query, 8)
	if err != nil {
		return err
	}
	origin := c.Scheme() + "://" + c.Request().Host
	for _, hit := range append(res.Hits, res.Other...) {
		cp.Articles = append(cp.Articles, views.DeskArticle{Title: hit.Title, Link: links.Portal(origin).Article(hit.Lang, hit.Slug)})
	}
	return nil
}

// deskTimes reads "visible from" and "expires" (datetime-local, in UTC).
func deskTimes(cp views.DeskCompose, r *tickets.Reply) error {
	parse := func(s string) (time.Time, error) {
		if s = strings.TrimSpace(s); s == "" {
			return time.Time{}, nil
		}
		for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
			if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
				return t, nil
			}
		}
		return time.Time{}, errs.E(errs.Invalid, MsgDeskTimeInvalid)
	}
	var err error
	if r.ReleaseAt, err = parse(cp.ReleaseAt); err != nil {
		return err
	}
	if r.ExpiresAt, err = parse(cp.ExpiresAt); err != nil {
		return err
	}
	return nil
}
