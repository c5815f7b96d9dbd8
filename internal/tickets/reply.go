package tickets

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/links"
	"zerodesk/internal/messaging"
)

// Reply adds a public message. A customer's reply reopens a pending or
// resolved ticket (nextStatus); an agent's first reply stops the
// first-response timer and sends the customer a notice (when the reply is
// released). Only agents may set ReleaseAt; anyone may set ExpiresAt.
func (s *Service) Reply(ctx context.Context, v Viewer, ref string, rp Reply) error {
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return err
	}
	in, err := s.checkReply(a, v, rp)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error { return s.postReply(ctx, tx, a, in) })
	return errs.Pass(err, "tickets: reply")
}

// reply is a Reply checked, with what its transaction writes.
type reply struct {
	now                  time.Time
	author               string
	body                 string
	files                []messaging.File
	releaseAt, expiresAt time.Time
	words                []int64 // nil for an expiring message
	formHash             []byte  // nil without a form id
	email                string  // the customer's, for an agent's notice
}

// checkReply checks rp from viewer v on the ticket a opens: its text, its
// files and its schedule (a release time in the past is now).
func (s *Service) checkReply(a *access, v Viewer, rp Reply) (*reply, error) {
	in := &reply{releaseAt: rp.ReleaseAt, expiresAt: rp.ExpiresAt, author: authorCustomer}
	var err error
	if in.body, err = cleanText(rp.Body, s.lim.MaxBody, MsgBodyRequired, MsgBodyTooLong); err != nil {
		return nil, err
	}
	if in.files, err = s.cleanUploads(rp.Files); err != nil {
		return nil, err
	}
	in.now = s.now()
	if !in.releaseAt.IsZero() && !a.agent {
		return nil, errNotAllowed()
	}
	if !in.releaseAt.IsZero() && !in.releaseAt.After(in.now) {
		in.releaseAt = time.Time{}
	}
	if !in.expiresAt.IsZero() && (!in.expiresAt.After(in.now) || (!in.releaseAt.IsZero() && !in.expiresAt.After(in.releaseAt))) {
		return nil, errs.E(errs.Invalid, MsgScheduleInvalid)
	}
	// An expiring message stays out of the blind index: its words must go
	// with it.
	if in.expiresAt.IsZero() {
		in.words = s.wordHashes(in.body)
	}
	if formID := strings.TrimSpace(rp.FormID); formID != "" {
		in.formHash = crypt.KeyedHash(s.keys.form, "reply", a.r.ref, formID)
	}
	if a.agent {
		in.author = authorAgent(v.Session.AccountID)
		if in.email, err = s.customerEmail(a.r); err != nil {
			return nil, errs.Wrap(err, "tickets: open e-mail")
		}
	}
	return in, nil
}

// postReply writes the reply in tx: a replayed form is refused, the ticket
// is read again and its status moves as nextStatus says, then the message,
// the ticket, its words and history, the form's nonce and (for an agent's
// reply) the customer's notice, now or at the release time.
func (s *Service) postReply(ctx context.Context, tx *sql.Tx, a *access, in *reply) error {
	if err := s.refuseReplyReplay(ctx, tx, in.formHash, a.r.ref); err != nil {
		return err
	}
	if err := a.reload(ctx, tx); err != nil {
		return err
	}
	r := a.r
	old := r.status
	t := in.now.Unix()
	next, err := nextStatus(statusMove{From: old, Reply: true, Agent: a.agent, Resolved: r.resolved, Now: t})
	if err != nil {
		return err
	}
	mid, err := s.msg.Post(ctx, tx, a.th, messaging.Post{Author: in.author, Kind: kindReply, Body: []byte(in.body), Files: in.files,
		ReleaseAt: in.releaseAt, ExpiresAt: in.expiresAt})
	if err != nil {
		return err
	}
	r.updated = t
	r.status, r.resolved = next.Status, next.Resolved
	if a.agent {
		if r.firstResp == 0 {
			r.firstResp = t
		}
		r.custUnread = true
	} else {
		r.deskUnread = true
	}
	if err := s.save(ctx, tx, r, old); err != nil {
		return err
	}
	if err := s.indexWords(ctx, tx, r.id, in.words); err != nil {
		return err
	}
	if err := s.event(ctx, tx, r.id, a.actor, EventReply, "", ""); err != nil {
		return err
	}
	if next.Event != "" {
		if err := s.event(ctx, tx, r.id, a.actor, next.Event, string(old), string(r.status)); err != nil {
			return err
		}
	}
	if in.formHash != nil {
		if _, err := s.st.Exec(ctx, tx, sqlFormInsert, in.formHash, r.ref, t); err != nil {
			return err
		}
	}
	if !a.agent {
		return s.notify(ctx, tx, NotifyCustomerReply, r, r.topic, 0, r.assignee)
	}
	if !in.releaseAt.IsZero() {
		_, err := tx.ExecContext(ctx, sqlInsertNotice, mid, r.id, in.releaseAt.Unix())
		return err
	}
	return s.replyNotice(ctx, tx, r, in.email)
}

// refuseReplyReplay refuses a reply form sent before (a second click, a
// resent POST) to the ticket ref.
func (s *Service) refuseReplyReplay(ctx context.Context, tx *sql.Tx, formHash []byte, ref string) error {
	if formHash == nil {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, sqlFormCount, formHash).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		e := errs.E(errs.Conflict, MsgAlreadySent)
		e.Data = map[string]any{"Reference": ref}
		return e
	}
	return nil
}

// replyNotice tells the customer a reply waits, with a link without the
// access key (My account for account users).
func (s *Service) replyNotice(ctx context.Context, tx *sql.Tx, r *row, email string) error {
	link := s.link(r.lang, links.SupportTicket+r.ref)
	if r.accountID.Valid {
		link = s.link(r.lang, links.Account)
	}
	return s.notice(ctx, tx, email, r.lang, r.ref, MailReplySubject, MailReplyBody, link)
}
