package tickets

import (
	"context"
	"database/sql"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
)

// A signed-in user's tickets in "export my data", and their erasure with the
// account (accounts.DataEraser). The handler composes the two rooms.

// ExportedTicket is one of a user's tickets as "export my data" holds it:
// what the user sees on the ticket's page, opened. Attachments are described
// (name, type, size), not included: a ticket may carry 5 files of 5 MiB, an
// account hundreds of tickets, and the export is one JSON document built in
// memory; each file stays downloadable from the ticket's page while the
// account exists.
type ExportedTicket struct {
	Reference string    `json:"reference"`
	Topic     string    `json:"topic"`
	Subject   string    `json:"subject"`
	Article   string    `json:"article,omitempty"`
	Comment   bool      `json:"comment,omitempty"`
	Status    Status    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Sealed: the account's data key no longer opens the ticket (it was
	// created before a reset of the account): only its access key does, so
	// the export can list it but not show its content.
	Sealed   bool              `json:"sealed,omitempty"`
	Messages []ExportedMessage `json:"messages,omitempty"`
	Rating   *ExportedRating   `json:"rating,omitempty"`
}

// ExportedMessage is one message of an exported ticket.
type ExportedMessage struct {
	From        string               `json:"from"` // "you" or "support"
	Author      string               `json:"author"`
	Body        string               `json:"body"`
	CreatedAt   time.Time            `json:"created_at"`
	Expired     bool                 `json:"expired,omitempty"` // its content was destroyed at its expiry
	Attachments []ExportedAttachment `json:"attachments,omitempty"`
}

// ExportedAttachment describes an attachment without its content.
type ExportedAttachment struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Size int64  `json:"size"`
}

// ExportedRating is the user's rating of a ticket.
type ExportedRating struct {
	Score   int       `json:"score"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// ExportForAccount returns every ticket of the signed-in user, opened with
// the account's data key, for "export my data". It marks nothing read.
func (s *Service) ExportForAccount(ctx context.Context, sess *accounts.Session) ([]ExportedTicket, error) {
	if sess == nil {
		return nil, errDenied()
	}
	part := partAccount(sess.AccountID)
	rows, err := s.db.Read.QueryContext(ctx, sqlAccountTickets, sess.AccountID, part)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: export")
	}
	type item struct {
		r            *row
		wrapped, met []byte
	}
	var items []item
	for rows.Next() {
		var it item
		it.r, err = scanRow(extra{rows, []any{&it.wrapped, &it.met}})
		if err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "tickets: export")
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "tickets: export")
	}
	keys := s.accountKeyring(sess)
	out := make([]ExportedTicket, 0, len(items))
	for _, it := range items {
		r := it.r
		x := ExportedTicket{Reference: r.ref, Topic: r.topic, Comment: r.comment, Status: r.status,
			CreatedAt: timeOf(r.created), UpdatedAt: timeOf(r.updated)}
		if it.wrapped == nil {
			x.Sealed = true
			out = append(out, x)
			continue
		}
		th, err := s.msg.ParticipantThread(r.threadID, part, keys, it.wrapped, it.met)
		if err != nil {
			x.Sealed = true
			out = append(out, x)
			continue
		}
		t, _, err := s.view(ctx, &access{r: r, th: th, actor: authorCustomer, sess: sess})
		if err != nil {
			return nil, errs.Pass(err, "tickets: export")
		}
		x.Subject, x.Article = t.Subject, t.Article
		for _, m := range t.Messages {
			em := ExportedMessage{From: "you", Author: m.AuthorName, Body: m.Body, CreatedAt: m.CreatedAt.UTC(), Expired: m.Expired}
			if m.FromAgent {
				em.From = "support"
			}
			for _, f := range m.Attachments {
				em.Attachments = append(em.Attachments, ExportedAttachment{Name: f.Name, Type: f.Type, Size: f.Size})
			}
			x.Messages = append(x.Messages, em)
		}
		if t.Rating != nil {
			x.Rating = &ExportedRating{Score: t.Rating.Score, Comment: t.Rating.Comment, At: t.Rating.At}
		}
		out = append(out, x)
	}
	return out, nil
}

// extra scans a row's columns and then more.
type extra struct {
	rows *sql.Rows
	more []any
}

func (e extra) Scan(dest ...any) error { return e.rows.Scan(append(dest, e.more...)...) }

// EraseAccountData deletes every ticket of an account being deleted, in the
// account deletion's transaction (accounts.DataEraser): the ticket row (and
// so its place in the queue), its thread with every message, attachment and
// read receipt, its blind-index words, history, pending notices and form
// nonces; the per-status counts go down. Nothing of the ticket stays: the
// caller runs it inside store.SecureDelete and checkpoints the WAL afterwards.
func (s *Service) EraseAccountData(ctx context.Context, tx *sql.Tx, accountID int64) error {
	rows, err := tx.QueryContext(ctx, sqlAccountThreads, accountID)
	if err != nil {
		return errs.Wrap(err, "tickets: erase")
	}
	var threads []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return errs.Wrap(err, "tickets: erase")
		}
		threads = append(threads, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "tickets: erase")
	}
	for _, q := range []string{sqlEraseCounts, sqlEraseTagCounts, sqlEraseTags, sqlEraseForms, sqlEraseWords, sqlEraseEvents, sqlEraseNotices, sqlEraseTickets} {
		if _, err := tx.ExecContext(ctx, q, accountID); err != nil {
			return errs.Wrap(err, "tickets: erase")
		}
	}
	for _, id := range threads {
		if err := s.msg.DeleteThread(ctx, tx, id); err != nil {
			return errs.Wrap(err, "tickets: erase thread")
		}
	}
	// The account's key to threads it was added to otherwise (none today).
	if _, err := tx.ExecContext(ctx, sqlEraseAccountPart, partAccount(accountID)); err != nil {
		return errs.Wrap(err, "tickets: erase")
	}
	if len(threads) > 0 {
		s.changed()
		s.log.Info("tickets: erased with their account", "account", accountID, "tickets", len(threads))
	}
	return nil
}

var _ accounts.DataEraser = (*Service)(nil)
