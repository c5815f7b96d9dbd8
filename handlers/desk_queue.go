package handlers

import (
	"bytes"
	"net/http"
	"slices"
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

// The desk's queue: the page, its polling, and the filter form.

func (h *Handlers) deskQueue(c echo.Context) error {
	return h.withDesk(c, "queue", func(d deskVisit) error {
		v, status, err := h.deskQueueView(c, d)
		if err != nil {
			return err
		}
		v.Focus = isFragmentRequest(c)
		if h.bulkShown(c, d, &v) { // desk_triage.go: a bulk action's result, once
			return h.render(c, status, views.DeskQueuePage(v), views.DeskQueueRegion(v))
		}
		if v.Token != "" || v.ErrorID != "" {
			return h.render(c, status, views.DeskQueuePage(v), views.DeskQueueRegion(v))
		}
		return h.renderQueue(c, v)
	})
}

// deskRenderKey is what makes a queue page as sent (Handlers.deskRendered):
// 1-Click sessions' pages hold nothing of the agent but the role, so the same
// cached queue page (deskQueues), filter, language, text size, role and
// minute (the relative times) render the same bytes. A page of a session
// without a cookie holds its token and is never kept.
type deskRenderKey struct {
	queue          *tickets.Queue
	filter         views.DeskFilter
	lang           string
	size           int
	admin, focus   bool
	minute, agents int64
	unread         int                // the menu's unread notifications
	triage         string             // the saved views and tags the page lists (desk_triage.go)
	account        views.FrameAccount // the frame's signed-in person (whole pages)
}

func (h *Handlers) renderQueue(c echo.Context, v views.DeskQueueView) error {
	p := views.PageOf(c.Request().Context())
	key := deskRenderKey{queue: v.Queue, filter: v.Filter, lang: p.L.Lang(), size: p.TextSize, admin: v.Admin, focus: v.Focus,
		minute: v.Now.Unix() / 60, agents: int64(len(v.Agents)), unread: v.Unread, triage: triageKey(v.Triage)}
	if !isFragmentRequest(c) {
		// The whole page's frame names who is signed in: theirs alone.
		h.frameAccount(c)
		if p.Account != nil {
			key.account = *p.Account
		}
	}
	page, ok := h.deskRendered.Get(0, key)
	if !ok {
		component, _ := choose(c, views.DeskQueuePage(v), views.DeskQueueRegion(v))
		var buf bytes.Buffer
		if err := component.Render(c.Request().Context(), &buf); err != nil {
			return err
		}
		page = newCachedPage(buf.Bytes())
		h.deskRendered.Put(0, key, page)
	}
	return writeHTML(c, http.StatusOK, page.body, page.gzipped, "")
}

// deskPoll answers the queue's polling: 204 while nothing changed (the
// tickets, and the agent's unread notifications, n), else the list anew with
// what changed, for the live region, and the menu's count out of band.
func (h *Handlers) deskPoll(c echo.Context) error {
	return h.withDesk(c, "queue", func(d deskVisit) error {
		seenVersion, _ := strconv.ParseInt(c.FormValue("v"), 10, 64)
		seenUnread, _ := strconv.Atoi(c.FormValue("n"))
		if seenVersion == h.Tickets.Version() && seenUnread == d.frame.Unread {
			return c.NoContent(http.StatusNoContent)
		}
		v, status, err := h.deskQueueView(c, d)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		seen, err := strconv.Atoi(c.FormValue("seen"))
		if n := v.Queue.Total - seen; err == nil && n > 0 {
			v.Announce = views.N(ctx, "desk.queue.new", n)
		} else if v.Unread > seenUnread {
			v.Announce = views.N(ctx, "notify.unread", v.Unread)
		} else {
			v.Announce = views.T(ctx, "desk.queue.updated")
		}
		return h.render(c, status, views.DeskQueuePage(v), views.DeskQueuePoll(v))
	})
}

// deskQueueView reads the filter and loads one page of the queue. A filter
// value that is not one of the choices is explained, the form keeping it, and
// the queue shown unfiltered.
func (h *Handlers) deskQueueView(c echo.Context, d deskVisit) (views.DeskQueueView, int, error) {
	ctx := c.Request().Context()
	v := views.DeskQueueView{DeskFrame: d.frame, Now: time.Now(), Filter: views.DeskFilter{
		Status: c.FormValue("status"), Priority: c.FormValue("priority"), Topic: c.FormValue("topic"),
		Assignee: c.FormValue("assignee"), Text: c.FormValue("q"),
	}}
	v.SLA = views.DeskSLA{Now: v.Now, WorkLeft: h.Tickets.SLAWorkLeft} // issue 14: time left in working time
	if err := h.triageQueue(c, d, &v); err != nil {                    // desk_triage.go: tag, sort, columns, saved views
		return v, 0, err
	}
	if err := h.fieldsQueue(c, &v); err != nil { // desk_fields.go: the field filter
		return v, 0, err
	}
	// The version is read first: a change made while this page is built
	// makes the next poll refresh it.
	v.Version = h.Tickets.Version()
	var err error
	if v.Topics, v.Agents, err = h.deskChoices(ctx, lang(c), v.Version); err != nil {
		return v, 0, err
	}
	status := http.StatusOK
	f, ok := deskFilter(v.Filter, v.Topics, d.s)
	ok = ok && fieldFilter(&f, v.Filter, v.CustomFields) // desk_fields.go
	if !ok {
		v.ErrorID, status = MsgDeskFilterInvalid, http.StatusBadRequest
		f = tickets.QueueFilter{}
	}
	if p, err := strconv.Atoi(c.FormValue("page")); err == nil && p > 0 {
		f.Page = p
	}
	f.PageSize = deskPageSize
	v.Queue, err = h.deskQueuePage(c, d, v.Version, f)
	if err != nil && errs.IsRefusal(err) {
		v.ErrorID, status = errs.MessageIDOf(err), classify(err).Status
		v.Queue, err = h.deskQueuePage(c, d, v.Version, tickets.QueueFilter{PageSize: deskPageSize})
	}
	if err != nil {
		return v, 0, err
	}
	return v, status, nil
}

// deskFilter turns the form's filter into the service's; ok is false when a
// value is not one the form offers.
func deskFilter(in views.DeskFilter, topics []tickets.TopicName, s *accounts.Session) (tickets.QueueFilter, bool) {
	f := tickets.QueueFilter{Status: tickets.Status(in.Status), Priority: tickets.Priority(in.Priority), Topic: in.Topic, Text: strings.TrimSpace(in.Text),
		Tag: in.Tag, Sort: in.Sort}
	if in.Status != "" && !f.Status.Valid() {
		return f, false
	}
	if in.Priority != "" && !f.Priority.Valid() {
		return f, false
	}
	if in.Topic != "" && !slices.ContainsFunc(topics, func(t tickets.TopicName) bool { return t.Key == in.Topic }) {
		return f, false
	}
	if !utf8.ValidString(in.Text) || utf8.RuneCountInString(in.Text) > 200 {
		return f, false
	}
	switch in.Assignee {
	case "":
	case "me":
		f.Assignee = s.AccountID
	case "none":
		f.Assignee = -1
	default:
		id, err := strconv.ParseInt(in.Assignee, 10, 64)
		if err != nil || id <= 0 {
			return f, false
		}
		f.Assignee = id
	}
	return f, true
}
