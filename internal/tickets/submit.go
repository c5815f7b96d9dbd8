package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/links"
	mailpkg "zerodesk/internal/mail"
	"zerodesk/internal/messaging"
)

// Submit opens a ticket. Everything is checked before anything is written;
// the rate limits (per address and per e-mail, Limits.PerAddress and
// PerEmail per hour), the replay check and the ticket itself are one durable
// transaction (group commit, synchronous=FULL), with the customer's notice
// queued in it. The receipt's access key exists nowhere else.
func (s *Service) Submit(ctx context.Context, sub Submission) (*Receipt, error) {
	in, err := s.checkSubmission(ctx, sub)
	if err != nil {
		return nil, err
	}
	rc := &Receipt{AccessKey: newAccessKey()}
	// Everything that does not need the transaction is done before it, on
	// the caller's goroutine: the group committer's one goroutine does only
	// SQL and the seals that need row ids.
	for attempt := 0; ; attempt++ {
		var d *drawnTicket
		if d, err = s.drawTicket(in, rc.AccessKey); err != nil {
			return nil, err
		}
		err = s.write(ctx, func(tx *sql.Tx) error { return s.insertTicket(ctx, tx, in, d, rc) })
		if !errors.Is(err, errRefTaken) || attempt == 3 {
			break
		}
	}
	if err != nil {
		return nil, errs.Pass(err, "tickets: submit")
	}
	return rc, nil
}

// submission is a Submission checked, with what Submit writes that does
// not depend on the reference it draws.
type submission struct {
	sess                       *accounts.Session // nil for a guest
	accountID                  sql.NullInt64
	lang, subject, body, topic string
	comment                    bool
	files                      []messaging.File
	email                      string
	meta                       []byte  // the thread's sealed metadata, as JSON
	words                      []int64 // the blind index's hashes
	fields                     []fieldEntry
	emailKey                   []byte
	addrKey                    []byte // nil without an address
	formHash                   []byte // nil without a form id
}

// checkSubmission checks sub in the order its errors are reported: the
// texts, the topic, the files, then who writes.
func (s *Service) checkSubmission(ctx context.Context, sub Submission) (*submission, error) {
	in := &submission{sess: sub.Session, lang: sub.Lang, comment: sub.Comment}
	if !s.cat.Supported(in.lang) {
		in.lang = "en"
	}
	var err error
	if in.subject, err = cleanLine(sub.Subject, s.lim.MaxSubject, MsgSubjectRequired, MsgSubjectTooLong); err != nil {
		return nil, err
	}
	if in.body, err = cleanText(sub.Body, s.lim.MaxBody, MsgBodyRequired, MsgBodyTooLong); err != nil {
		return nil, err
	}
	if in.topic, err = s.checkTopic(ctx, sub.Topic, sub.Comment); err != nil {
		return nil, err
	}
	article, _ := cleanLine(sub.Article, 200, "", MsgNotText)
	if in.files, err = s.cleanUploads(sub.Attachments); err != nil {
		return nil, err
	}
	sealedFields, fields, err := s.fieldsOfSubmission(ctx, in.topic, sub.Fields) // fields.go
	if err != nil {
		return nil, err
	}
	in.fields = fields
	name, err := s.submitter(ctx, sub, in)
	if err != nil {
		return nil, err
	}
	if in.meta, err = json.Marshal(meta{Subject: in.subject, Name: name, Article: article, Fields: sealedFields}); err != nil {
		return nil, errs.Wrap(err, "tickets: meta")
	}
	in.words = s.wordHashes(in.subject, in.body)
	in.emailKey = s.emailLookup(in.email)
	if sub.Address != "" {
		in.addrKey = crypt.KeyedHash(s.keys.address, sub.Address)
	}
	if formID := strings.TrimSpace(sub.FormID); formID != "" {
		in.formHash = crypt.KeyedHash(s.keys.form, "submit", formID[:min(len(formID), 200)])
	}
	return in, nil
}

// checkTopic is topic trimmed, if it is an active topic. Only a comment
// about the service may go without one.
func (s *Service) checkTopic(ctx context.Context, topic string, comment bool) (string, error) {
	topic = strings.TrimSpace(topic)
	if topic == "" && comment {
		return topic, nil
	}
	ok, err := s.topicActive(ctx, topic)
	if err != nil {
		return "", errs.Wrap(err, "tickets: topic")
	}
	if !ok {
		return "", errs.E(errs.Invalid, MsgTopicInvalid)
	}
	return topic, nil
}

// submitter is who writes: a signed-in user's profile name and address (and
// account), or the name and address a guest typed, checked. It sets in's
// e-mail and account and returns the name.
func (s *Service) submitter(ctx context.Context, sub Submission, in *submission) (string, error) {
	if sub.Session == nil {
		name, err := cleanName(sub.Name, s.lim.MaxName)
		if err != nil {
			return "", err
		}
		in.email, err = cleanEmail(sub.Email)
		return name, err
	}
	if s.acc == nil {
		return "", errNotAllowed()
	}
	p, err := s.acc.Profile(ctx, sub.Session)
	if err != nil {
		return "", err
	}
	in.email = p.Email
	in.accountID = sql.NullInt64{Int64: sub.Session.AccountID, Valid: true}
	return p.Name, nil
}

// drawnTicket is what a drawn reference decides: the keys and seals bound
// to it, and the customer's notice that carries it.
type drawnTicket struct {
	ref         string
	guestKeys   messaging.Keyring
	accessHash  []byte
	sealedEmail []byte
	notice      mailpkg.Message
}

// drawTicket draws a reference for in, whose access key is key.
func (s *Service) drawTicket(in *submission, key string) (*drawnTicket, error) {
	ref := newReference()
	d := &drawnTicket{ref: ref, guestKeys: s.guestKeyring(ref, key), accessHash: s.accessHash(ref, key)}
	var err error
	if d.sealedEmail, err = crypt.Seal(s.keys.email, []byte(in.email), adEmail(ref)); err != nil {
		return nil, errs.Wrap(err, "tickets: seal e-mail")
	}
	d.notice = s.noticeMessage(in.email, in.lang, ref, MailCreatedSubject, MailCreatedBody,
		s.link(in.lang, links.SupportTicket+ref+"?key="+key))
	return d, nil
}

// insertTicket writes the ticket in tx: a replayed form and the rate limits
// refuse it first, a taken reference (errRefTaken) sends Submit to draw
// again; then the thread with its first message, the ticket, its count,
// words and history, the form's nonce and the customer's notice. It fills
// in rc.
func (s *Service) insertTicket(ctx context.Context, tx *sql.Tx, in *submission, d *drawnTicket, rc *Receipt) error {
	now := s.now()
	t := now.Unix()
	if err := s.refuseReplay(ctx, tx, in.formHash); err != nil {
		return err
	}
	if err := s.countSubmission(ctx, tx, in, t); err != nil {
		return err
	}
	var taken int
	if err := s.st.QueryRow(ctx, tx, sqlRefTaken, d.ref).Scan(&taken); err != nil || taken > 0 {
		return firstErr(err, errRefTaken)
	}
	th, err := s.startThread(ctx, tx, in, d)
	if err != nil {
		return err
	}
	r := &row{status: StatusNew, priority: PriorityNormal, topic: in.topic, created: t, frWork: -1, resWork: -1}
	s.runClock(r, t, false) // the clock starts: due times in working time
	err = s.st.QueryRow(ctx, tx, sqlInsertTicket, d.ref, th.ID, in.lang, in.topic, in.comment, r.status, r.priority, in.accountID,
		in.emailKey, d.sealedEmail, d.accessHash, t, r.frDue, r.resDue, nextDue(r), r.slaSince, r.slaState, r.slaCheck).Scan(&rc.ID)
	if err != nil {
		return err
	}
	if err := s.moveCount(ctx, tx, "", StatusNew); err != nil {
		return err
	}
	if err := s.indexWords(ctx, tx, rc.ID, in.words); err != nil {
		return err
	}
	if err := s.indexFields(ctx, tx, rc.ID, in.fields); err != nil {
		return err
	}
	if err := s.event(ctx, tx, rc.ID, authorCustomer, EventCreated, "", string(StatusNew)); err != nil {
		return err
	}
	if in.formHash != nil {
		if _, err := s.st.Exec(ctx, tx, sqlFormInsert, in.formHash, d.ref, t); err != nil {
			return err
		}
	}
	rc.Reference = d.ref
	if err := s.notify(ctx, tx, NotifyNewTicket, &row{id: rc.ID}, in.topic, 0); err != nil {
		return err
	}
	return s.outbox.Enqueue(ctx, tx, d.notice)
}

// refuseReplay refuses a form sent before (a second click, a resent POST),
// naming the ticket it opened.
func (s *Service) refuseReplay(ctx context.Context, tx *sql.Tx, formHash []byte) error {
	if formHash == nil {
		return nil
	}
	var prior string
	err := s.st.QueryRow(ctx, tx, sqlFormSeen, formHash).Scan(&prior)
	if err == nil {
		e := errs.E(errs.Conflict, MsgAlreadySent)
		e.Data = map[string]any{"Reference": prior}
		return e
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// countSubmission counts the ticket against the hourly limits, per address
// and per e-mail address.
func (s *Service) countSubmission(ctx context.Context, tx *sql.Tx, in *submission, t int64) error {
	if in.addrKey != nil {
		if ok, err := s.tryCount(ctx, tx, scopeAddress, in.addrKey, time.Hour, s.lim.PerAddress, t); err != nil || !ok {
			return firstErr(err, errs.E(errs.RateLimited, MsgTooManyTickets))
		}
	}
	if ok, err := s.tryCount(ctx, tx, scopeEmail, in.emailKey, time.Hour, s.lim.PerEmail, t); err != nil || !ok {
		return firstErr(err, errs.E(errs.RateLimited, MsgTooManyTickets))
	}
	return nil
}

// startThread creates the ticket's thread, which the guest's access key and
// the signed-in customer's account open, with the first message in it.
func (s *Service) startThread(ctx context.Context, tx *sql.Tx, in *submission, d *drawnTicket) (*messaging.Thread, error) {
	parts := map[string]messaging.Keyring{partGuest: d.guestKeys}
	if in.accountID.Valid {
		parts[partAccount(in.accountID.Int64)] = s.accountKeyring(in.sess)
	}
	th, err := s.msg.CreateThread(ctx, tx, in.meta, parts)
	if err != nil {
		return nil, err
	}
	_, err = s.msg.Post(ctx, tx, th, messaging.Post{Author: authorCustomer, Kind: kindReply, Body: []byte(in.body), Files: in.files})
	return th, err
}

// CheckSubmit reports, without counting anything, whether a ticket from
// address (and e-mail address, "" for a signed-in user) would be refused by
// the hourly limits now: the form's files need not be read then. Submit
// still counts and decides, in its transaction.
func (s *Service) CheckSubmit(ctx context.Context, address, email string) error {
	now := s.now().Unix()
	if address != "" {
		n, err := counted(ctx, s.db.Read, scopeAddress, crypt.KeyedHash(s.keys.address, address), time.Hour, now)
		if err != nil {
			return errs.Wrap(err, "tickets: address counter")
		}
		if n >= s.lim.PerAddress {
			return errs.E(errs.RateLimited, MsgTooManyTickets)
		}
	}
	if email == "" {
		return nil
	}
	clean, err := cleanEmail(email)
	if err != nil {
		return nil // Submit says why
	}
	n, err := counted(ctx, s.db.Read, scopeEmail, s.emailLookup(clean), time.Hour, now)
	if err != nil {
		return errs.Wrap(err, "tickets: e-mail counter")
	}
	if n >= s.lim.PerEmail {
		return errs.E(errs.RateLimited, MsgTooManyTickets)
	}
	return nil
}

// errRefTaken: the drawn reference exists (40 random bits: rare); Submit
// draws another.
var errRefTaken = errors.New("tickets: reference taken")

func firstErr(err error, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
