package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// Triage at the desk (issue 14): the queue's tag filter, sort and columns,
// saved views, bulk actions, a ticket's tags, merging and the collision
// warning. The product rules are the tickets room's (tags.go, views.go,
// bulk.go, merge.go, presence.go); this file reads forms and shows results.

// Triage message IDs the handlers use.
const (
	MsgTriageDoneTags   = "triage.done.tags"
	MsgTriageDoneMerged = "triage.done.merged"
)

func init() {
	// The notices a 1-Click change leaves in its redirect (desk_ticket.go).
	deskNotices["tags"] = MsgTriageDoneTags
	deskNotices["merged"] = MsgTriageDoneMerged
}

// triageQueue reads the queue form's triage fields into v, or a saved view
// (?view=ID) in place of the whole form, and loads the saved views and the
// tags in use.
func (h *Handlers) triageQueue(c echo.Context, d deskVisit, v *views.DeskQueueView) error {
	ctx := c.Request().Context()
	v.Filter.Tag, v.Filter.Sort = c.FormValue("tag"), c.FormValue("sort")
	v.Filter.Columns = triageColumns(c)
	v.Triage.Me = d.s.AccountID
	if id, err := strconv.ParseInt(c.FormValue("view"), 10, 64); err == nil && id > 0 {
		sv, err := h.Tickets.View(ctx, d.viewer(), id)
		if err != nil {
			if !errs.IsRefusal(err) {
				return err
			}
			v.ErrorID = errs.MessageIDOf(err)
		} else {
			s := sv.Settings
			v.Filter = views.DeskFilter{Status: s.Status, Priority: s.Priority, Topic: s.Topic, Assignee: s.Assignee, Text: s.Text,
				Tag: s.Tag, Sort: s.Sort, Columns: columnsValue(s.Columns)}
			v.Triage.ViewID = sv.ID
		}
	}
	l, err := h.triageLists(c, d)
	v.Triage.Views, v.Triage.Tags = l.views, l.tags
	return err
}

// deskTriageLists are what every queue page lists besides the queue: the
// agent's saved views and the tags in use. Handlers.deskTriage keeps them
// per tickets version (a change of a ticket's tags, or of a saved view,
// changes it: SaveView and DeleteView write through the tickets service).
type deskTriageLists struct {
	views []tickets.SavedView
	tags  []tickets.TagCount
}

func (h *Handlers) triageLists(c echo.Context, d deskVisit) (deskTriageLists, error) {
	ctx := c.Request().Context()
	version := uint64(h.Tickets.Version()) // read first: a change meanwhile misses next time
	if l, ok := h.deskTriage.Get(version, d.s.AccountID); ok {
		return l, nil
	}
	var l deskTriageLists
	var err error
	if l.views, err = h.Tickets.Views(ctx, d.viewer()); err != nil {
		return l, err
	}
	if l.tags, err = h.Tickets.Tags(ctx, d.viewer()); err != nil {
		return l, err
	}
	h.deskTriage.Put(version, d.s.AccountID, l)
	return l, nil
}

// triageColumns is the columns the form chose: the checkboxes when the
// filter form was sent (cols=1), else the columns field (a poll, a page
// button, the bulk form); "" is all of them.
func triageColumns(c echo.Context) string {
	if c.FormValue("cols") != "1" {
		cols := strings.Split(c.FormValue("columns"), ",")
		var keep []string
		for _, col := range tickets.Columns {
			if slices.Contains(cols, col) {
				keep = append(keep, col)
			}
		}
		if c.FormValue("columns") == "none" {
			return "none"
		}
		return columnsValue(keep)
	}
	form, _ := c.FormParams()
	var keep []string
	for _, col := range tickets.Columns {
		if slices.Contains(form["col"], col) {
			keep = append(keep, col)
		}
	}
	if len(keep) == 0 {
		return "none"
	}
	return columnsValue(keep)
}

// columnsValue is a list of columns as DeskFilter.Columns writes it: ""
// when it is all of them.
func columnsValue(cols []string) string {
	if len(cols) == 0 || len(cols) == len(tickets.Columns) {
		return ""
	}
	return strings.Join(cols, ",")
}

// triageKey is what of triage makes a cached queue page differ: the saved
// views listed (and which this agent may delete) and the tags in use.
func triageKey(t views.DeskTriageQueue) string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(t.ViewID, 10))
	for _, sv := range t.Views {
		b.WriteString("|" + strconv.FormatInt(sv.ID, 10) + ":" + strconv.FormatBool(sv.Shared) + ":" +
			strconv.FormatBool(sv.OwnerID == t.Me) + ":" + sv.Name)
	}
	for _, tg := range t.Tags {
		b.WriteString("#" + tg.Tag + ":" + strconv.Itoa(tg.N))
	}
	return b.String()
}

// deskBulk applies one change to the selected tickets (or every ticket of
// the page) and shows the queue again with what it did.
func (h *Handlers) deskBulk(c echo.Context) error {
	return h.withDesk(c, "queue", func(d deskVisit) error {
		ctx := c.Request().Context()
		form, err := c.FormParams()
		if err != nil {
			return errs.E(errs.Invalid, tickets.MsgBulkNone)
		}
		refs := form["ref"]
		if c.FormValue("all") == "1" {
			refs = form["page_ref"]
		}
		act, ok := bulkAction(c.FormValue("do"), c.FormValue("tags"), d)
		var res *tickets.BulkResult
		if ok {
			res, err = h.Tickets.Bulk(ctx, d.viewer(), refs, act)
		} else {
			err = errs.E(errs.Invalid, tickets.MsgBulkAction)
		}
		status := http.StatusOK
		if err != nil && !errs.IsRefusal(err) {
			return err
		}
		if d.frame.Token == "" {
			// 1-Click: redirect after POST, the result shown once there.
			f := bulkFlash{Res: res}
			if err != nil {
				f.Res, f.ErrID, f.ErrArgs = nil, errs.MessageIDOf(err), errArgs(err)
			}
			id, ferr := h.putBulkFlash(ctx, d.s, f) // desk_bulkflash.go: in the session, for any instance
			if ferr != nil {
				return ferr
			}
			q := bulkFilter(c).Values()
			q.Set("bulk", id)
			return c.Redirect(http.StatusSeeOther, views.HrefQuery(ctx, "/desk", q))
		}
		// Without a cookie the session travels in the form: the queue comes
		// back right here (a GET could not carry it).
		v, qStatus, verr := h.deskQueueView(c, d)
		if verr != nil {
			return verr
		}
		status = max(status, qStatus)
		if err != nil {
			v.Triage.BulkErrorID, v.Triage.BulkErrorArgs, status = errs.MessageIDOf(err), errArgs(err), classify(err).Status
		} else {
			v.Triage.Bulk = res
		}
		return h.render(c, status, views.DeskQueuePage(v), views.DeskQueueRegion(v))
	})
}

// bulkFilter is the queue's filter as the bulk form sent it back.
func bulkFilter(c echo.Context) views.DeskFilter {
	return views.DeskFilter{Status: c.FormValue("status"), Priority: c.FormValue("priority"), Topic: c.FormValue("topic"),
		Assignee: c.FormValue("assignee"), Text: c.FormValue("q"), Tag: c.FormValue("tag"), Sort: c.FormValue("sort"),
		Columns: c.FormValue("columns"), Field: c.FormValue("field"), FieldValue: c.FormValue("field_value")}
}

// bulkShown puts the result of the bulk action whose redirect this is
// (?bulk=ID) into v, once; true when there was one.
func (h *Handlers) bulkShown(c echo.Context, d deskVisit, v *views.DeskQueueView) bool {
	id := c.QueryParam("bulk")
	if id == "" || d.frame.Token != "" {
		return false
	}
	f, ok := h.takeBulkFlash(c.Request().Context(), d.s, id)
	if !ok {
		return false
	}
	v.Triage.Bulk, v.Triage.BulkErrorID, v.Triage.BulkErrorArgs = f.Res, f.ErrID, f.ErrArgs
	return true
}

// bulkAction reads the bulk form's choice: "close", "status:S",
// "priority:P", "assign:ID" ("me", "0"), "tag" or "untag" with the tags.
func bulkAction(do, tags string, d deskVisit) (tickets.BulkAction, bool) {
	kind, value, _ := strings.Cut(do, ":")
	switch kind {
	case tickets.BulkClose:
		return tickets.BulkAction{Kind: kind}, value == ""
	case tickets.BulkStatus, tickets.BulkPriority:
		return tickets.BulkAction{Kind: kind, Value: value}, value != ""
	case tickets.BulkAssign:
		if value == "me" {
			value = strconv.FormatInt(d.s.AccountID, 10)
		}
		return tickets.BulkAction{Kind: kind, Value: value}, value != ""
	case tickets.BulkTag, tickets.BulkUntag:
		return tickets.BulkAction{Kind: kind, Value: tags}, value == ""
	}
	return tickets.BulkAction{}, false
}

// deskTags adds the tags typed (add=) or removes one (remove=).
func (h *Handlers) deskTags(c echo.Context) error {
	return h.deskChange(c, "tags", func(d deskVisit) error {
		ctx, ref := c.Request().Context(), c.Param("ref")
		if tag := c.FormValue("remove"); tag != "" {
			return h.Tickets.RemoveTags(ctx, d.viewer(), ref, []string{tag})
		}
		return h.Tickets.AddTags(ctx, d.viewer(), ref, tickets.SplitTags(c.FormValue("add")))
	})
}

// deskMerge merges this ticket into the one named (into=); the page then
// says where it went.
func (h *Handlers) deskMerge(c echo.Context) error {
	return h.deskChange(c, "merged", func(d deskVisit) error {
		return h.Tickets.Merge(c.Request().Context(), d.viewer(), c.Param("ref"), strings.TrimSpace(c.FormValue("into")))
	})
}

// deskPresence answers the ticket page's poll: the other agents on it. The
// page says whether this agent is writing (writing=1, set by desk_triage.js
// while the reply holds text); the reply's text never travels.
func (h *Handlers) deskPresence(c echo.Context) error {
	if !isFragmentRequest(c) {
		return h.deskBackToTicket(c)
	}
	return h.withDesk(c, "ticket", func(d deskVisit) error {
		ref, ok := tickets.NormalizeReference(c.Param("ref"))
		if !ok {
			return errs.E(errs.NotFound, "error.not_found")
		}
		present, err := h.Tickets.Here(c.Request().Context(), d.viewer(), ref, c.FormValue("writing") == "1")
		if err != nil {
			return err
		}
		v := views.DeskTicketView{DeskFrame: d.frame, Ticket: &tickets.Ticket{Reference: ref}, Triage: views.DeskTriageTicket{Present: present}}
		return h.render(c, http.StatusOK, views.DeskPresence(v), views.DeskPresence(v))
	})
}

// deskSaveView saves the queue as shown under a name (shared or not) and
// opens it.
func (h *Handlers) deskSaveView(c echo.Context) error {
	return h.withDesk(c, "queue", func(d deskVisit) error {
		ctx := c.Request().Context()
		sv := tickets.SavedView{Name: c.FormValue("name"), Shared: c.FormValue("shared") == "1", Settings: tickets.ViewSettings{
			Status: c.FormValue("status"), Priority: c.FormValue("priority"), Topic: c.FormValue("topic"),
			Assignee: c.FormValue("assignee"), Tag: c.FormValue("tag"), Text: c.FormValue("q"), Sort: c.FormValue("sort")}}
		// The columns ticked; all of them, or none ticked, is every column.
		if cols := triageColumns(c); cols != "" && cols != "none" {
			sv.Settings.Columns = strings.Split(cols, ",")
		}
		id, err := h.Tickets.SaveView(ctx, d.viewer(), sv)
		if err != nil {
			return h.triageRefused(c, d, err)
		}
		return h.triageOpenView(c, d, id)
	})
}

// deskDeleteView deletes a saved view and shows the queue.
func (h *Handlers) deskDeleteView(c echo.Context) error {
	return h.withDesk(c, "queue", func(d deskVisit) error {
		id, _ := strconv.ParseInt(c.FormValue("id"), 10, 64)
		if err := h.Tickets.DeleteView(c.Request().Context(), d.viewer(), id); err != nil {
			return h.triageRefused(c, d, err)
		}
		return h.triageOpenView(c, d, 0)
	})
}

// triageOpenView goes to the queue (in view id, if not 0): with 1-Click by
// a redirect, without it the queue right here.
func (h *Handlers) triageOpenView(c echo.Context, d deskVisit, id int64) error {
	q := url.Values{}
	if id != 0 {
		q.Set("view", strconv.FormatInt(id, 10))
	}
	if d.frame.Token == "" {
		return c.Redirect(http.StatusSeeOther, views.HrefQuery(c.Request().Context(), "/desk", q))
	}
	c.Request().Form = q
	v, status, err := h.deskQueueView(c, d)
	if err != nil {
		return err
	}
	return h.render(c, status, views.DeskQueuePage(v), views.DeskQueueRegion(v))
}

// triageRefused shows the queue with why a saved view was refused.
func (h *Handlers) triageRefused(c echo.Context, d deskVisit, err error) error {
	if !errs.IsRefusal(err) {
		return err
	}
	v, _, verr := h.deskQueueView(c, d)
	if verr != nil {
		return verr
	}
	v.ErrorID = errs.MessageIDOf(err)
	return h.render(c, classify(err).Status, views.DeskQueuePage(v), views.DeskQueueRegion(v))
}
