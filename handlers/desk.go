package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// The agents' desk: the queue, a ticket, and the admins' lists. Only staff
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
	if strings.HasSuffix(c.Path(), "/desk/poll") {
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
	if err := h.enterDesk(c, s); err != nil {
		return err
	}
	return fn(deskVisit{s: s, frame: views.DeskFrame{Token: formToken, Admin: s.Role == accounts.Admin, Here: here}})
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
	if _, done := h.deskEntered.get(0, s.ID); done {
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
	h.deskEntered.put(0, s.ID, true)
	return nil
}

// ownMessage reports whether err is one the desk explains on its page (a
// refused input) rather than an error page.
func ownMessage(err error) bool {
	id := errs.MessageIDOf(err)
	return strings.HasPrefix(id, "tickets.") || strings.HasPrefix(id, "desk.")
}

// The queue

func (h *Handlers) deskQueue(c echo.Context) error {
	return h.withDesk(c, "queue", func(d deskVisit) error {
		v, status, err := h.deskQueueView(c, d)
		if err != nil {
			return err
		}
		v.Focus = isFragmentRequest(c)
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
	account        views.FrameAccount // the frame's signed-in person (whole pages)
}

func (h *Handlers) renderQueue(c echo.Context, v views.DeskQueueView) error {
	p := views.PageOf(c.Request().Context())
	key := deskRenderKey{queue: v.Queue, filter: v.Filter, lang: p.L.Lang(), size: p.TextSize, admin: v.Admin, focus: v.Focus,
		minute: v.Now.Unix() / 60, agents: int64(len(v.Agents))}
	if !isFragmentRequest(c) {
		// The whole page's frame names who is signed in: theirs alone.
		h.frameAccount(c)
		if p.Account != nil {
			key.account = *p.Account
		}
	}
	page, ok := h.deskRendered.get(0, key)
	if !ok {
		component, _ := choose(c, views.DeskQueuePage(v), views.DeskQueueRegion(v))
		var buf bytes.Buffer
		if err := component.Render(c.Request().Context(), &buf); err != nil {
			return err
		}
		page = newCachedPage(buf.Bytes())
		h.deskRendered.put(0, key, page)
	}
	return writeHTML(c, http.StatusOK, page.body, page.gzipped, "")
}

// deskPoll answers the queue's polling: 204 while nothing changed, else the
// list anew with what changed, for the live region.
func (h *Handlers) deskPoll(c echo.Context) error {
	return h.withDesk(c, "queue", func(d deskVisit) error {
		seenVersion, _ := strconv.ParseInt(c.FormValue("v"), 10, 64)
		if seenVersion == h.Tickets.Version() {
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
		} else {
			v.Announce = views.T(ctx, "desk.queue.updated")
		}
		return h.render(c, status, views.DeskQueuePage(v), views.DeskQueueRegion(v))
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
	// The version is read first: a change made while this page is built
	// makes the next poll refresh it.
	v.Version = h.Tickets.Version()
	var err error
	if v.Topics, v.Agents, err = h.deskChoices(ctx, lang(c), v.Version); err != nil {
		return v, 0, err
	}
	status := http.StatusOK
	f, ok := deskFilter(v.Filter, v.Topics, d.s)
	if !ok {
		v.ErrorID, status = MsgDeskFilterInvalid, http.StatusBadRequest
		f = tickets.QueueFilter{}
	}
	if p, err := strconv.Atoi(c.FormValue("page")); err == nil && p > 0 {
		f.Page = p
	}
	f.PageSize = deskPageSize
	v.Queue, err = h.deskQueuePage(c, d, v.Version, f)
	if err != nil && ownMessage(err) {
		v.ErrorID, status = errs.MessageIDOf(err), classify(err).Status
		v.Queue, err = h.deskQueuePage(c, d, v.Version, tickets.QueueFilter{PageSize: deskPageSize})
	}
	if err != nil {
		return v, 0, err
	}
	return v, status, nil
}

// Handlers.deskQueues keeps queue pages for a moment. Every agent's browser
// asks for the same few views, and after any change every polling browser
// asks again: a page is the same for all staff (the queue is the desk's, not
// an agent's) until the tickets' version changes, save for the clock (a
// ticket turning overdue changes no version), hence the short life of an
// entry. Only staff reach it (withDesk), and the filter is the whole key
// ("me" is already an agent's id in it). One request per key asks the
// service; the others wait for its answer, and an entry past its life is
// refreshed in the background while it is still served.

// deskQueueTTL bounds how stale a cached page's overdue marks may be (plus
// the time one refresh takes).
const deskQueueTTL = 10 * time.Second

type deskQueueEntry struct {
	done chan struct{} // closed once q or err is set

	mu         sync.Mutex
	q          *tickets.Queue
	err        error
	at         time.Time
	refreshing bool
}

// deskQueuePage is the service's queue page for f, from the cache while the
// version read before it still holds.
func (h *Handlers) deskQueuePage(c echo.Context, d deskVisit, version int64, f tickets.QueueFilter) (*tickets.Queue, error) {
	ctx := c.Request().Context()
	v := d.viewer()
	if e, ok := h.deskQueues.get(uint64(version), f); ok {
		select {
		case <-e.done:
		default: // another request is asking: wait for its answer
			select {
			case <-e.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if q, ok := h.serveQueue(f, e, v); ok {
			return q, nil
		}
	}
	e := &deskQueueEntry{done: make(chan struct{})}
	h.deskQueues.put(uint64(version), f, e)
	q, err := h.Tickets.Queue(ctx, v, f)
	e.mu.Lock()
	e.q, e.err, e.at = q, err, time.Now()
	e.mu.Unlock()
	close(e.done)
	return q, err
}

// serveQueue is an answered entry's page, refreshed in the background once
// past its life; ok is false when the service refused (ask again).
func (h *Handlers) serveQueue(f tickets.QueueFilter, e *deskQueueEntry, v tickets.Viewer) (q *tickets.Queue, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err != nil {
		return nil, false
	}
	if time.Since(e.at) >= deskQueueTTL && !e.refreshing {
		e.refreshing = true
		go h.refreshQueue(f, e, v)
	}
	return e.q, true
}

// refreshQueue asks the service again for an entry past its life, the old
// page served meanwhile.
func (h *Handlers) refreshQueue(f tickets.QueueFilter, e *deskQueueEntry, v tickets.Viewer) {
	q, err := h.Tickets.Queue(context.Background(), v, f)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.refreshing = false
	if err == nil {
		e.q, e.at = q, time.Now()
	}
}

// deskLists are the filter form's choices (the topics in a language, the
// agents), kept by Handlers.deskLists like the queue pages: per version,
// for deskQueueTTL (a renamed topic changes no ticket).
type deskLists struct {
	topics []tickets.TopicName
	agents []tickets.Agent
}

func (h *Handlers) deskChoices(ctx context.Context, lang string, version int64) ([]tickets.TopicName, []tickets.Agent, error) {
	if l, ok := h.deskLists.get(uint64(version), lang); ok {
		return l.topics, l.agents, nil
	}
	topics, err := h.Tickets.Topics(ctx, lang, true)
	if err != nil {
		return nil, nil, err
	}
	agents, err := h.Tickets.Agents(ctx)
	if err != nil {
		return nil, nil, err
	}
	h.deskLists.put(uint64(version), lang, deskLists{topics: topics, agents: agents})
	return topics, agents, nil
}

// deskFilter turns the form's filter into the service's; ok is false when a
// value is not one the form offers.
func deskFilter(in views.DeskFilter, topics []tickets.TopicName, s *accounts.Session) (tickets.QueueFilter, bool) {
	f := tickets.QueueFilter{Status: tickets.Status(in.Status), Priority: tickets.Priority(in.Priority), Topic: in.Topic, Text: strings.TrimSpace(in.Text)}
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

// The ticket

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

// sendAttachment serves a file as a download only, whatever it holds (the
// headers of the customer's downloads, support.go).
func sendAttachment(c echo.Context, a *tickets.Attachment) error {
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentDisposition, "attachment; filename*=UTF-8''"+encodeRFC5987(a.Name))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	return c.Blob(http.StatusOK, "application/octet-stream", a.Data)
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
			if !ownMessage(err) {
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
			if !ownMessage(err) {
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
			if !ownMessage(err) {
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
		cp.Articles = append(cp.Articles, views.DeskArticle{Title: hit.Title, Link: origin + "/" + hit.Lang + "/articles/" + hit.Slug})
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

// The admins' pages

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
			if !ownMessage(err) {
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
			if !ownMessage(err) {
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
			if !ownMessage(err) {
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
		if h.Outbox != nil {
			list, err := h.Outbox.List(c.Request().Context())
			if err != nil {
				return errs.Wrap(err, "desk: list the outbox")
			}
			for _, q := range list {
				v.Mail = append(v.Mail, views.DeskMail{ID: q.MessageID, Failed: q.Failed, Attempts: q.Attempts,
					Created: q.CreatedAt, NextAttempt: q.NextAttemptAt, LastError: q.LastError})
			}
		}
		return h.render(c, http.StatusOK, views.DeskOutboxPage(v), nil)
	})
}
