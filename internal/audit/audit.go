// Package audit is the record of staff actions (issue 14): who opened (read)
// which ticket and when, who replied, wrote a note, changed a status, an
// assignment or a priority, who changed staff, the staff policy, topics and
// canned replies. It holds references, never content: a ticket's reference,
// account ids, the action, a field's name and enumerated values before and
// after (a status, a priority, a role, an account id, a topic key). Never a
// subject, a body, a name, an address or a note's text: Record refuses any
// value that is not a short token, so a sentence or an address cannot slip in.
//
// The log is append-only from the application's side: Record and Add insert,
// and the retention sweep (Sweep, Run) deletes lines older than the retention
// an administrator sets. There is no other UPDATE or DELETE of a line.
// Only administrators read it (Entries, WriteCSV).
//
// Other rooms record in the transaction of their change with one call:
//
//	log.Record(ctx, tx, audit.Entry{Actor: id, Action: audit.TicketStatus, Ticket: ref, Field: "status", From: "new", To: "open"})
package audit

import (
	"context"
	"database/sql"
	"log/slog"
	"regexp"
	"time"

	"zerodesk/internal/errs"
	"zerodesk/internal/store"
)

// Action is what was done. The constants are the actions recorded today; a
// room may record others of the same form (room.verb, lower case).
type Action string

// The actions.
const (
	TicketRead     Action = "ticket.read"
	TicketReplied  Action = "ticket.replied"
	TicketNoted    Action = "ticket.noted"
	TicketStatus   Action = "ticket.status"
	TicketPriority Action = "ticket.priority"
	TicketAssigned Action = "ticket.assigned"
	TicketTagged   Action = "ticket.tagged"
	TicketUntagged Action = "ticket.untagged"
	TicketMerged   Action = "ticket.merged" // into the survivor (To)
	TicketMergedIn Action = "ticket.merged_in"
	TopicSaved     Action = "topic.saved"
	CannedSaved    Action = "canned.saved"
	CannedDeleted  Action = "canned.deleted"
	StaffInvited   Action = "staff.invited"
	StaffWithdrawn Action = "staff.withdrawn"
	StaffRole      Action = "staff.role"
	StaffDisabled  Action = "staff.disabled"
	StaffEnabled   Action = "staff.enabled"
	StaffPolicy    Action = "staff.policy"
	LogRetention   Action = "audit.retention"
	SLAPolicy      Action = "sla.policy"
)

// Actions are the actions recorded today, in the order the filter lists them.
var Actions = []Action{TicketRead, TicketReplied, TicketNoted, TicketStatus, TicketPriority, TicketAssigned,
	TicketTagged, TicketUntagged, TicketMerged, TicketMergedIn, TopicSaved, CannedSaved, CannedDeleted, StaffInvited, StaffWithdrawn, StaffRole, StaffDisabled, StaffEnabled, StaffPolicy, SLAPolicy, LogRetention}

// Message IDs of the errors (locales/audit.*.toml).
const (
	MsgAdminOnly        = "audit.error.admin_only"      // forbidden: only administrators read the log
	MsgFilterInvalid    = "audit.error.filter"          // invalid: a filter value is malformed
	MsgRetentionInvalid = "audit.error.retention"       // invalid: retention outside 1–3650 days
	MsgNotAReference    = "audit.error.not_a_reference" // (internal) a value is not a token: never content
)

// Entry is one line of the log.
type Entry struct {
	ID      int64
	At      time.Time
	Actor   int64 // the staff account that acted; 0: the command line
	Action  Action
	Ticket  string // the ticket's reference, when the action is on a ticket
	Subject int64  // the account acted upon (staff changes)
	Field   string // the field changed: "status", "priority", "assignee", "role", …
	From    string // enumerated values only: a status, a priority, a role, an id
	To      string
}

// token is what every text of an entry must be: a short identifier, never a
// sentence, a name or an address (no spaces, no @).
var (
	tokenRe = regexp.MustCompile(`^[A-Za-z0-9_.:-]{0,64}$`)
	action  = regexp.MustCompile(`^[a-z][a-z_]*\.[a-z][a-z_]*$`)
)

func (e Entry) check() error {
	if !action.MatchString(string(e.Action)) || e.Actor < 0 || e.Subject < 0 {
		return errs.E(errs.Invalid, MsgNotAReference)
	}
	for _, s := range []string{e.Ticket, e.Field, e.From, e.To} {
		if !tokenRe.MatchString(s) {
			return errs.E(errs.Invalid, MsgNotAReference)
		}
	}
	return nil
}

// Options configure a Log.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
	// CommitDelay: how long Add waits to batch reads with others (the
	// group commit); zero: its default.
	CommitDelay time.Duration
}

// Log is the audit log.
type Log struct {
	db      *store.DB
	now     func() time.Time
	log     *slog.Logger
	commits *store.GroupCommitter
}

// New returns the log on db (migrated). Close it after the server stopped.
func New(ctx context.Context, db *store.DB, opts Options) (*Log, error) {
	l := &Log{db: db, now: opts.Now, log: opts.Log}
	if l.now == nil {
		l.now = time.Now
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	var err error
	if l.commits, err = store.NewGroupCommitter(ctx, db, opts.CommitDelay); err != nil {
		return nil, errs.Wrap(err, "audit: group committer")
	}
	return l, nil
}

// Close stops the group committer of Add.
func (l *Log) Close() { l.commits.Close() }

// Record appends e in tx, the transaction of the change it records, so the
// change and its line commit together or not at all. At is now.
func (l *Log) Record(ctx context.Context, tx *sql.Tx, e Entry) error {
	if l == nil {
		return nil
	}
	if err := e.check(); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, sqlInsert, l.now().Unix(), e.Actor, string(e.Action), e.Ticket, e.Subject, e.Field, e.From, e.To)
	return err
}

// Add appends e in a transaction of its own, batched with other Adds of the
// same moment (a durable group commit): for what changes nothing else, such
// as a read of a ticket.
func (l *Log) Add(ctx context.Context, e Entry) error {
	if l == nil {
		return nil
	}
	if err := e.check(); err != nil {
		return err
	}
	return errs.Pass(l.commits.Do(ctx, func(tx *sql.Tx) error { return l.Record(ctx, tx, e) }), "audit: add")
}
