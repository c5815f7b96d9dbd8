package notify

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"zerodesk/internal/errs"
	"zerodesk/internal/mail"
)

// TicketEvent tells the agents concerned of a ticket event, in tx (the
// event's own transaction): kind is one of NewTicket, CustomerReply,
// Assigned, Mention; topic is the ticket's (NewTicket: its followers are
// told); agents are the ones the event names (the assignee, the new
// assignee, the mentioned); actor is the agent who acted (0: the customer),
// never told of their own act. It satisfies tickets.Notifier.
func (s *Service) TicketEvent(ctx context.Context, tx *sql.Tx, kind string, ticketID int64, topic string, actor int64, agents []int64) error {
	k := Kind(kind)
	if !k.Valid() || k == SLAAtRisk || k == SLABreached {
		return errs.Wrap(errors.New("unknown kind "+kind), "notify: ticket event")
	}
	targets := slices.Clone(agents)
	if k == NewTicket {
		var err error
		if targets, err = followers(ctx, tx, topic); err != nil {
			return errs.Wrap(err, "notify: followers")
		}
	}
	slices.Sort(targets)
	targets = slices.Compact(targets)
	now := s.now()
	for _, agent := range targets {
		if agent <= 0 || agent == actor {
			continue
		}
		if err := s.tell(ctx, tx, agent, k, ticketID, now); err != nil {
			return errs.Wrap(err, "notify: "+kind)
		}
	}
	return nil
}

// SLAKind is which SLA event: AtRisk or Breached.
type SLAKind = Kind

// The SLA events, for SLA.
const (
	AtRisk   SLAKind = SLAAtRisk
	Breached SLAKind = SLABreached
)

// SLA tells agent that a target of ticket ticketID is at risk or breached,
// once per ticket, kind and agent whatever the number of calls (the SLA
// sweep may call it on every pass): told reports whether this call told.
// It runs its own transaction; SLAInTx runs in the caller's.
func (s *Service) SLA(ctx context.Context, ticketID, agentID int64, kind SLAKind) (told bool, err error) {
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		told, err = s.SLAInTx(ctx, tx, ticketID, agentID, kind)
		return err
	})
	if err != nil {
		return false, err
	}
	if told {
		s.outbox.Wake()
	}
	return told, nil
}

// SLAInTx is SLA in tx.
func (s *Service) SLAInTx(ctx context.Context, tx *sql.Tx, ticketID, agentID int64, kind SLAKind) (bool, error) {
	if kind != AtRisk && kind != Breached {
		return false, errs.Wrap(errors.New("not an SLA kind: "+string(kind)), "notify: sla")
	}
	if agentID <= 0 {
		return false, nil
	}
	res, err := tx.ExecContext(ctx, sqlOnce, ticketID, string(kind), agentID)
	if err != nil {
		return false, errs.Wrap(err, "notify: sla")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, errs.Wrap(err, "notify: sla")
	}
	return true, errs.Wrap(s.tell(ctx, tx, agentID, kind, ticketID, s.now()), "notify: sla")
}

// followers are the agents who follow topic.
func followers(ctx context.Context, tx *sql.Tx, topic string) ([]int64, error) {
	if topic == "" {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, sqlFollowers, topic)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// tell tells agent of one event of kind on ticketID by the channels they
// chose: a line in the desk's list, and the mail (coalesced).
func (s *Service) tell(ctx context.Context, tx *sql.Tx, agent int64, k Kind, ticketID int64, now time.Time) error {
	if gone, err := gone(ctx, tx, agent); gone || err != nil {
		return err // a disabled or former agent is told nothing
	}
	c := Defaults[k]
	err := tx.QueryRowContext(ctx, sqlPref, agent, string(k)).Scan(&c.Desk, &c.Mail)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if c.Desk {
		if _, err := tx.ExecContext(ctx, sqlInsert, agent, string(k), ticketID, now.Unix()); err != nil {
			return err
		}
	}
	if c.Mail {
		return s.mailSoon(ctx, tx, agent, now)
	}
	return nil
}

// mailSoon marks a mail waiting for agent, and sends it now unless one went
// to them within the window (Flush sends it when the window has passed).
func (s *Service) mailSoon(ctx context.Context, tx *sql.Tx, agent int64, now time.Time) error {
	a, err := s.agent(ctx, tx, agent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // never entered the desk: no address to mail
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlSetPending, agent, now.Unix()); err != nil {
		return err
	}
	if a.lastMail > now.Add(-s.opts.Window).Unix() {
		return nil
	}
	return s.send(ctx, tx, agent, a, now)
}

// gone reports whether agent's account was disabled or left the desk's
// roles: such an account is told nothing, in the desk or by mail.
func gone(ctx context.Context, tx *sql.Tx, agent int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, sqlGone, agent).Scan(&n)
	return n > 0, err
}

type agentRow struct {
	sealed        []byte
	lang          string
	lastMail, due int64
}

func (s *Service) agent(ctx context.Context, tx *sql.Tx, id int64) (agentRow, error) {
	var a agentRow
	err := tx.QueryRowContext(ctx, sqlAgent, id).Scan(&a.sealed, &a.lang, &a.lastMail, &a.due)
	return a, err
}

// send queues the one mail in tx and records it sent.
func (s *Service) send(ctx context.Context, tx *sql.Tx, id int64, a agentRow, now time.Time) error {
	to, err := s.address(id, a.sealed)
	if err != nil {
		return err
	}
	if err := s.outbox.Enqueue(ctx, tx, s.message(to, a.lang)); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, sqlMailed, id, now.Unix())
	return err
}

// message is the mail: fixed texts and the link to the desk's list. No
// ticket reference, subject, name, address or body; nothing of the events
// but that they wait.
func (s *Service) message(to, lang string) mail.Message {
	if !s.texts.Supported(lang) {
		lang = "en"
	}
	data := map[string]string{"Portal": "zerodesk", "Link": s.link(lang)}
	return mail.Message{To: to, Subject: s.texts.Text(lang, MailSubject, data), TextBody: s.texts.Text(lang, MailBody, data)}
}

// Flush sends the mails that waited for their window to pass, one per
// agent; it returns how many it queued.
func (s *Service) Flush(ctx context.Context) (int, error) {
	now := s.now()
	rows, err := s.db.Read.QueryContext(ctx, sqlDueMail, now.Add(-s.opts.Window).Unix())
	if err != nil {
		return 0, errs.Wrap(err, "notify: due mail")
	}
	var due []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "notify: due mail")
		}
		due = append(due, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap(err, "notify: due mail")
	}
	sent := 0
	for _, id := range due {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			a, err := s.agent(ctx, tx, id)
			if err != nil || a.due == 0 || a.lastMail > now.Add(-s.opts.Window).Unix() {
				return err // sent meanwhile
			}
			if gone, err := gone(ctx, tx, id); gone || err != nil {
				if err == nil { // disabled since: the waiting mail is dropped
					_, err = tx.ExecContext(ctx, sqlSetPending0, id)
				}
				return err
			}
			sent++
			return s.send(ctx, tx, id, a, now)
		})
		if err != nil {
			return sent, errs.Pass(err, "notify: flush")
		}
	}
	if sent > 0 {
		s.outbox.Wake()
	}
	return sent, nil
}

// Run flushes the waiting mail every 30 seconds until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		if _, err := s.Flush(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("notify: periodic work", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
