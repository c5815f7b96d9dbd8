package tickets

import (
	"context"
	"database/sql"
	"regexp"
	"strconv"
	"strings"

	"zerodesk/internal/audit"
)

// Staff actions on tickets are lines of the audit log (internal/audit),
// written in the transaction of the change: every ticket event an agent
// causes (s.event) becomes one, with the ticket's reference and, for the
// kinds whose values are enumerated (status, priority, assignee id), the
// values before and after. An event kind added later is recorded as
// "ticket.<kind>" without its values, so nothing but a reference can reach
// the log by default. Reads are recorded by the desk (RecordRead).

var eventKind = regexp.MustCompile(`^[a-z][a-z_]{0,30}$`)

// auditEntry is the audit line of an agent's ticket event; ok false for
// events no staff member caused.
func auditEntry(actor, kind, from, to string) (audit.Entry, bool) {
	id, found := strings.CutPrefix(actor, "agent:")
	n, err := strconv.ParseInt(id, 10, 64)
	if !found || err != nil {
		return audit.Entry{}, false
	}
	e := audit.Entry{Actor: n}
	switch kind {
	case EventReply:
		e.Action = audit.TicketReplied
	case EventNote:
		e.Action = audit.TicketNoted
	case EventStatus, EventReopened, EventClosed:
		e.Action, e.Field, e.From, e.To = audit.TicketStatus, "status", from, to
	case EventPriority:
		e.Action, e.Field, e.From, e.To = audit.TicketPriority, "priority", from, to
	case EventAssigned:
		e.Action, e.Field, e.From, e.To = audit.TicketAssigned, "assignee", from, to
	case EventTagged: // tags are staff labels, never customer text
		e.Action, e.Field, e.To = audit.TicketTagged, "tag", to
	case EventUntagged:
		e.Action, e.Field, e.From = audit.TicketUntagged, "tag", from
	case EventMerged:
		e.Action, e.Field, e.To = audit.TicketMerged, "into", to
	case EventField: // which field changed, never its value
		e.Action, e.Field = auditFieldAction, to
	case EventMergedFrom:
		e.Action, e.Field, e.From = audit.TicketMergedIn, "from", from
	default:
		if !eventKind.MatchString(kind) {
			kind = "changed"
		}
		e.Action = audit.Action("ticket." + kind)
	}
	return e, true
}

// auditEvent records the audit line of a ticket event in tx.
func (s *Service) auditEvent(ctx context.Context, tx *sql.Tx, ticketID int64, actor, kind, from, to string) error {
	if s.opts.Audit == nil {
		return nil
	}
	e, ok := auditEntry(actor, kind, from, to)
	if !ok {
		return nil
	}
	if err := tx.QueryRowContext(ctx, sqlTicketRef, ticketID).Scan(&e.Ticket); err != nil {
		return err
	}
	return s.opts.Audit.Record(ctx, tx, e)
}

// auditAdmin records a change of topics or canned replies in tx.
func (s *Service) auditAdmin(ctx context.Context, tx *sql.Tx, v Viewer, action audit.Action, field, value string) error {
	if s.opts.Audit == nil || v.Session == nil {
		return nil
	}
	return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: v.Session.AccountID, Action: action, Field: field, To: value})
}

// RecordRead puts on the record that the staff member of v opened ticket
// ref at the desk (a group commit of its own: a read changes nothing else).
func (s *Service) RecordRead(ctx context.Context, v Viewer, ref string) error {
	if s.opts.Audit == nil || !v.staff() {
		return nil
	}
	ref, ok := NormalizeReference(ref)
	if !ok {
		return nil
	}
	return s.opts.Audit.Add(ctx, audit.Entry{Actor: v.Session.AccountID, Action: audit.TicketRead, Ticket: ref})
}
