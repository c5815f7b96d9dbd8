// Package notify is the agents' notification room: who is told of what
// happens at the desk (a new ticket in a followed topic, a customer's reply
// on their ticket, an assignment, a mention in an internal note, an SLA at
// risk or breached), in the desk's list and by mail, as each agent chooses.
//
// It holds no ticket content: a notification is an agent, a kind and a
// ticket id; a mention is found in the note's text before the note is sealed
// (tickets.Note) and only the mentioned agent's id comes here. The mail says
// only that something waits, with a link to the desk, and at most one goes
// to an agent per Window (coalescing).
//
// The ticket room tells this one through its Notifier interface
// (Service.TicketEvent, in the event's own transaction); the wiring connects
// them, so neither room imports the other.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/links"
	"zerodesk/internal/mail"
	"zerodesk/internal/store"
)

// Kind is what a notification is about.
type Kind string

// The kinds, in the order the preferences page lists them.
const (
	NewTicket     Kind = "new_ticket"     // a new ticket in a topic the agent follows
	CustomerReply Kind = "customer_reply" // the customer replied on a ticket assigned to the agent
	Assigned      Kind = "assigned"       // someone else assigned a ticket to the agent
	Mention       Kind = "mention"        // someone else mentioned the agent in an internal note
	SLAAtRisk     Kind = "sla_at_risk"    // a target of the agent's ticket is at risk
	SLABreached   Kind = "sla_breached"   // a target of the agent's ticket is breached
)

// Kinds lists every kind.
var Kinds = []Kind{NewTicket, CustomerReply, Assigned, Mention, SLAAtRisk, SLABreached}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// Channels are the ways an agent is told of one kind.
type Channels struct{ Desk, Mail bool }

// Defaults are the channels of a kind the agent has not chosen: what is
// theirs to act on now (a reply, an assignment, a mention, a breach) in the
// desk and by mail; a new ticket in a followed topic and an SLA at risk in
// the desk only. An agent follows no topic until they choose some.
var Defaults = map[Kind]Channels{
	NewTicket:     {Desk: true},
	CustomerReply: {Desk: true, Mail: true},
	Assigned:      {Desk: true, Mail: true},
	Mention:       {Desk: true, Mail: true},
	SLAAtRisk:     {Desk: true},
	SLABreached:   {Desk: true, Mail: true},
}

// Prefs are an agent's choices.
type Prefs struct {
	Channels map[Kind]Channels
	Topics   []string // followed topic keys
}

// Notification is one entry of an agent's list: a kind and the ticket's
// reference (an identifier, never content).
type Notification struct {
	ID        int64
	Kind      Kind
	Reference string
	CreatedAt time.Time
	Read      bool
}

// Message IDs of the mail (the texts live in locales/notify.LANG.toml).
const (
	MailSubject = "notify.mail.subject" // Data: Portal
	MailBody    = "notify.mail.body"    // Data: Portal, Link
	// MsgNotFound: a notification that is not the agent's, or no more.
	MsgNotFound = "notify.not_found"
)

// Options configure the service; zero values mean the defaults.
type Options struct {
	Now       func() time.Time // [time.Now]
	PortalURL string           // the portal's address for the mail's link
	Window    time.Duration    // at most one mail per agent per Window [5 minutes]
	Log       *slog.Logger
}

// Service is the notify room.
type Service struct {
	db     *store.DB
	outbox *mail.Outbox
	texts  mail.Texts
	opts   Options
	now    func() time.Time
	log    *slog.Logger
	key    []byte // seals the agents' addresses
}

// New returns the service on db (migrated).
func New(db *store.DB, secret crypt.Secret, outbox *mail.Outbox, texts mail.Texts, opts Options) (*Service, error) {
	if outbox == nil || texts == nil {
		return nil, errors.New("notify: an outbox and mail texts are required")
	}
	s := &Service{db: db, outbox: outbox, texts: texts, opts: opts, now: opts.Now, log: opts.Log, key: secret.Subkey("notify.agent")}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.opts.Window <= 0 {
		s.opts.Window = 5 * time.Minute
	}
	return s, nil
}

func adAgent(id int64) []byte { return []byte("notify.agent|" + strconv.FormatInt(id, 10)) }

// Enter records where an agent's mail goes and in which language: the desk
// calls it when a staff member enters it (as tickets.EnterDesk).
func (s *Service) Enter(ctx context.Context, agentID int64, email, lang string) error {
	sealed, err := crypt.Seal(s.key, []byte(email), adAgent(agentID))
	if err != nil {
		return errs.Wrap(err, "notify: seal address")
	}
	if !s.texts.Supported(lang) {
		lang = "en"
	}
	_, err = s.db.Write.ExecContext(ctx, sqlUpsertAgent, agentID, sealed, lang)
	return errs.Wrap(err, "notify: enter")
}

// Unread is how many notifications of the agent are unread: one count in
// one index (notifications_unread), what the desk's polling asks.
func (s *Service) Unread(ctx context.Context, agentID int64) (int, error) {
	var n int
	err := s.db.Read.QueryRowContext(ctx, sqlUnread, agentID).Scan(&n)
	return n, errs.Wrap(err, "notify: unread")
}

// List is the agent's latest notifications, newest first, at most limit.
func (s *Service) List(ctx context.Context, agentID int64, limit int) ([]Notification, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.Read.QueryContext(ctx, sqlList, agentID, limit)
	if err != nil {
		return nil, errs.Wrap(err, "notify: list")
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var at, read int64
		if err := rows.Scan(&n.ID, &n.Kind, &n.Reference, &at, &read); err != nil {
			return nil, errs.Wrap(err, "notify: list")
		}
		n.CreatedAt, n.Read = time.Unix(at, 0).UTC(), read != 0
		out = append(out, n)
	}
	return out, errs.Wrap(rows.Err(), "notify: list")
}

// MarkRead marks one of the agent's notifications read; another agent's, or
// one that does not exist, is not found (an already read one is fine).
func (s *Service) MarkRead(ctx context.Context, agentID, id int64) error {
	var found int
	if err := s.db.Read.QueryRowContext(ctx, sqlMine, agentID, id).Scan(&found); err != nil {
		return errs.Wrap(err, "notify: mark read")
	}
	if found == 0 {
		return errs.E(errs.NotFound, MsgNotFound)
	}
	_, err := s.db.Write.ExecContext(ctx, sqlMarkRead, agentID, id, s.now().Unix())
	return errs.Wrap(err, "notify: mark read")
}

// MarkTicketRead marks the agent's notifications of one ticket read (the
// agent opened it) and returns how many were unread.
func (s *Service) MarkTicketRead(ctx context.Context, agentID, ticketID int64) (int, error) {
	res, err := s.db.Write.ExecContext(ctx, sqlMarkTicket, agentID, ticketID, s.now().Unix())
	if err != nil {
		return 0, errs.Wrap(err, "notify: mark ticket read")
	}
	n, err := res.RowsAffected()
	return int(n), errs.Wrap(err, "notify: mark ticket read")
}

// MarkAllRead marks every notification of the agent read.
func (s *Service) MarkAllRead(ctx context.Context, agentID int64) error {
	_, err := s.db.Write.ExecContext(ctx, sqlMarkAll, agentID, s.now().Unix())
	return errs.Wrap(err, "notify: mark all read")
}

// Prefs returns the agent's choices, the defaults filled in.
func (s *Service) Prefs(ctx context.Context, agentID int64) (Prefs, error) {
	p := Prefs{Channels: make(map[Kind]Channels, len(Kinds))}
	for k, c := range Defaults {
		p.Channels[k] = c
	}
	rows, err := s.db.Read.QueryContext(ctx, sqlPrefs, agentID)
	if err != nil {
		return p, errs.Wrap(err, "notify: prefs")
	}
	defer rows.Close()
	for rows.Next() {
		var k Kind
		var c Channels
		if err := rows.Scan(&k, &c.Desk, &c.Mail); err != nil {
			return p, errs.Wrap(err, "notify: prefs")
		}
		if k.Valid() {
			p.Channels[k] = c
		}
	}
	if err := rows.Err(); err != nil {
		return p, errs.Wrap(err, "notify: prefs")
	}
	trows, err := s.db.Read.QueryContext(ctx, sqlTopics, agentID)
	if err != nil {
		return p, errs.Wrap(err, "notify: topics")
	}
	defer trows.Close()
	for trows.Next() {
		var t string
		if err := trows.Scan(&t); err != nil {
			return p, errs.Wrap(err, "notify: topics")
		}
		p.Topics = append(p.Topics, t)
	}
	return p, errs.Wrap(trows.Err(), "notify: topics")
}

// SavePrefs replaces the agent's choices: every kind's channels (a kind left
// out is neither) and the followed topics (the caller checks they exist).
func (s *Service) SavePrefs(ctx context.Context, agentID int64, p Prefs) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlDeletePrefs, agentID); err != nil {
			return err
		}
		for _, k := range Kinds {
			c := p.Channels[k]
			if _, err := tx.ExecContext(ctx, sqlInsertPref, agentID, string(k), c.Desk, c.Mail); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, sqlDelTopics, agentID); err != nil {
			return err
		}
		for _, t := range p.Topics {
			if _, err := tx.ExecContext(ctx, sqlAddTopic, agentID, t); err != nil {
				return err
			}
		}
		return nil
	})
	return errs.Pass(err, "notify: save prefs")
}

// link is the desk's notification list as the mail links it.
func (s *Service) link(lang string) string {
	return links.Portal(s.opts.PortalURL).Page(lang, links.DeskNotifications)
}

// address opens an agent's sealed address.
func (s *Service) address(id int64, sealed []byte) (string, error) {
	b, err := crypt.Open(s.key, sealed, adAgent(id))
	return string(b), err
}
