package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/audit"
	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// The admins' audit log (issue 14): the record of staff actions, filtered by
// actor, action, ticket reference and dates, paginated, exported as CSV, with
// the retention the admin sets. Its lines are references only (internal/audit).
// Reads of tickets are recorded by deskTicketPage (tickets.RecordRead).

// MsgAuditDoneRetention is the notice of a saved retention.
const MsgAuditDoneRetention = "audit.done.retention"

func auditReader(d deskVisit) audit.Reader {
	return audit.Reader{AccountID: d.s.AccountID, Admin: d.frame.Admin}
}

// auditFilter reads the filter of the form (query or body); ok false when a
// value is malformed.
func auditFilter(c echo.Context) (views.StaffAuditFilter, audit.Filter, bool) {
	typed := views.StaffAuditFilter{Actor: strings.TrimSpace(c.FormValue("actor")), Action: c.FormValue("action"),
		Ticket: strings.TrimSpace(c.FormValue("ticket")), Since: c.FormValue("since"), Until: c.FormValue("until")}
	f := audit.Filter{Action: audit.Action(typed.Action)}
	ok := true
	if typed.Actor != "" {
		n, err := strconv.ParseInt(typed.Actor, 10, 64)
		ok = ok && err == nil && n >= 0
		f.Actor = n
	}
	if typed.Ticket != "" {
		ref, valid := tickets.NormalizeReference(typed.Ticket)
		ok = ok && valid
		f.Ticket = ref
	}
	if typed.Since != "" {
		t, err := time.Parse(time.DateOnly, typed.Since)
		ok = ok && err == nil
		f.Since = t
	}
	if typed.Until != "" {
		t, err := time.Parse(time.DateOnly, typed.Until)
		ok = ok && err == nil
		f.Until = t.Add(24 * time.Hour) // the day is included
	}
	if p := c.FormValue("page"); p != "" {
		n, err := strconv.Atoi(p)
		ok = ok && err == nil && n >= 0 && n < 1_000_000
		f.Page = n
	}
	return typed, f, ok
}

func (h *Handlers) deskAudit(c echo.Context) error {
	return h.withAdmin(c, "audit", func(d deskVisit) error {
		return h.deskAuditPage(c, d, "")
	})
}

func (h *Handlers) deskAuditPage(c echo.Context, d deskVisit, noticeID string) error {
	ctx := c.Request().Context()
	typed, f, ok := auditFilter(c)
	v := views.StaffAuditView{DeskFrame: d.frame, Filter: typed, NoticeID: noticeID}
	for _, a := range audit.Actions {
		v.Actions = append(v.Actions, string(a))
	}
	var err error
	if v.Retention, err = h.Audit.Retention(ctx); err != nil {
		return err
	}
	status := http.StatusOK
	if !ok {
		v.ErrorID, status = audit.MsgFilterInvalid, http.StatusBadRequest
		return h.render(c, status, views.StaffAuditPage(v), nil)
	}
	p, err := h.Audit.Entries(ctx, auditReader(d), f)
	if err != nil {
		if errs.MessageIDOf(err) != audit.MsgFilterInvalid {
			return err
		}
		v.ErrorID, status = audit.MsgFilterInvalid, http.StatusBadRequest
		return h.render(c, status, views.StaffAuditPage(v), nil)
	}
	v.Total, v.Page, v.More = p.Total, p.Page, p.More
	for _, e := range p.Entries {
		v.Lines = append(v.Lines, views.StaffAuditLine{At: e.At, Actor: e.Actor, Action: string(e.Action), Ticket: e.Ticket,
			Subject: e.Subject, Field: e.Field, From: e.From, To: e.To})
	}
	return h.render(c, status, views.StaffAuditPage(v), nil)
}

// deskAuditExport sends the lines matching the filter as CSV.
func (h *Handlers) deskAuditExport(c echo.Context) error {
	return h.withAdmin(c, "audit", func(d deskVisit) error {
		_, f, ok := auditFilter(c)
		if !ok {
			return h.deskAuditPage(c, d, "")
		}
		w := c.Response()
		w.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		w.Header().Set(echo.HeaderContentDisposition, `attachment; filename="audit-`+time.Now().UTC().Format("20060102")+`.csv"`)
		w.WriteHeader(http.StatusOK)
		return h.Audit.WriteCSV(c.Request().Context(), auditReader(d), f, w)
	})
}

func (h *Handlers) deskAuditRetention(c echo.Context) error {
	return h.withAdmin(c, "audit", func(d deskVisit) error {
		days, err := strconv.Atoi(strings.TrimSpace(c.FormValue("days")))
		if err == nil {
			err = h.Audit.SetRetention(c.Request().Context(), auditReader(d), days)
		} else {
			err = errs.E(errs.Invalid, audit.MsgRetentionInvalid)
		}
		if err != nil {
			if errs.MessageIDOf(err) != audit.MsgRetentionInvalid {
				return err
			}
			ctx := c.Request().Context()
			v := views.StaffAuditView{DeskFrame: d.frame, ErrorID: audit.MsgRetentionInvalid}
			for _, a := range audit.Actions {
				v.Actions = append(v.Actions, string(a))
			}
			if v.Retention, err = h.Audit.Retention(ctx); err != nil {
				return err
			}
			return h.render(c, http.StatusBadRequest, views.StaffAuditPage(v), nil)
		}
		return h.deskAuditPage(c, d, MsgAuditDoneRetention)
	})
}
