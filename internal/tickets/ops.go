package tickets

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/links"
	"zerodesk/internal/messaging"
)

// Open returns ticket ref as v may see it and marks its messages read for v
// (agents read the customer's messages, customers the agents' replies).
func (s *Service) Open(ctx context.Context, v Viewer, ref string) (*Ticket, error) {
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return nil, err
	}
	t, unread, err := s.view(ctx, a)
	if err != nil {
		return nil, errs.Pass(err, "tickets: open")
	}
	reader := readerCustomer
	if a.agent {
		reader = readerDesk
	}
	stale := a.r.custUnread
	if a.agent {
		stale = a.r.deskUnread
	}
	if len(unread) > 0 || stale {
		err := s.write(ctx, func(tx *sql.Tx) error {
			if _, err := s.msg.MarkRead(ctx, tx, a.th, reader, unread); err != nil {
				return err
			}
			q := sqlCustomerRead
			if a.agent {
				q = sqlDeskRead
			}
			_, err := tx.ExecContext(ctx, q, a.r.id)
			return err
		})
		if err != nil {
			return nil, errs.Pass(err, "tickets: mark read")
		}
		now := s.now().UTC().Truncate(time.Second)
		for i := range t.Messages {
			m := &t.Messages[i]
			for _, id := range unread {
				if m.ID != id {
					continue
				}
				if a.agent {
					m.ReadByAgentAt = now
				} else {
					m.ReadByCustomerAt = now
				}
			}
		}
	}
	return t, nil
}

// view builds the Ticket for a's viewer and lists the messages it has not
// read yet.
func (s *Service) view(ctx context.Context, a *access) (*Ticket, []int64, error) {
	r := a.r
	q := s.db.Read
	m := metaOf(a.th)
	email, err := s.customerEmail(r)
	if err != nil {
		return nil, nil, err
	}
	names, err := s.agentNames(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	now := s.now().Unix()
	t := &Ticket{ID: r.id, Reference: r.ref, Lang: r.lang, Topic: r.topic, Subject: m.Subject, Article: m.Article,
		Comment: r.comment, Status: r.status, Priority: r.priority, CustomerName: m.Name, CustomerEmail: email,
		AccountID: r.accountID.Int64, AssigneeID: r.assignee, AssigneeName: names[r.assignee],
		CreatedAt: timeOf(r.created), UpdatedAt: timeOf(r.updated), FirstResponseAt: timeOf(r.firstResp),
		ResolvedAt: timeOf(r.resolved), FirstResponseDue: timeOf(r.frDue), ResolutionDue: timeOf(r.resDue)}
	t.FirstResponseOverdue, t.ResolutionOverdue = overdue(r, now)
	if r.ratingScore > 0 {
		t.Rating = &Rating{Score: r.ratingScore, At: timeOf(r.ratedAt)}
		if r.ratingSealed != nil {
			c, err := a.th.Open("rating", r.ratingSealed)
			if err != nil {
				return nil, nil, err
			}
			t.Rating.Comment = string(c)
		}
	}
	done := r.status == StatusResolved || r.status == StatusClosed
	t.CanReply = r.status != StatusClosed
	t.CanClose = r.status != StatusClosed
	t.CanReopen = done
	t.CanRate = !a.agent && done && r.ratingScore == 0

	msgs, err := s.msg.Messages(ctx, q, a.th, a.agent)
	if err != nil {
		return nil, nil, err
	}
	var unread []int64
	for _, mm := range msgs {
		if mm.Kind == kindNote && !a.agent {
			continue
		}
		fromAgent := strings.HasPrefix(mm.Author, "agent:")
		msg := Message{ID: mm.ID, FromAgent: fromAgent, Body: string(mm.Body), Internal: mm.Kind == kindNote,
			CreatedAt: mm.CreatedAt, ReleaseAt: mm.ReleaseAt, ExpiresAt: mm.ExpiresAt, Expired: mm.Expired,
			ReadByCustomerAt: mm.ReadBy[readerCustomer], ReadByAgentAt: mm.ReadBy[readerDesk]}
		if fromAgent {
			id, _ := strconv.ParseInt(strings.TrimPrefix(mm.Author, "agent:"), 10, 64)
			msg.AuthorName = names[id]
		} else {
			msg.AuthorName = m.Name
		}
		for _, f := range mm.Files {
			msg.Attachments = append(msg.Attachments, AttachmentInfo{ID: f.ID, Name: f.Name, Type: f.Type, Size: f.Size})
		}
		t.Messages = append(t.Messages, msg)
		if !mm.Released || msg.Internal {
			continue
		}
		if a.agent && !fromAgent && msg.ReadByAgentAt.IsZero() {
			unread = append(unread, mm.ID)
		}
		if !a.agent && fromAgent && msg.ReadByCustomerAt.IsZero() {
			unread = append(unread, mm.ID)
		}
	}
	if a.agent {
		if t.History, err = s.history(ctx, r.id, names, m.Name); err != nil {
			return nil, nil, err
		}
	}
	return t, unread, nil
}

func overdue(r *row, now int64) (first, resolution bool) {
	active := r.status != StatusResolved && r.status != StatusClosed
	if r.firstResp == 0 {
		first = active && now > r.frDue
	} else {
		first = r.firstResp > r.frDue
	}
	if r.resolved == 0 {
		resolution = active && now > r.resDue
	} else {
		resolution = r.resolved > r.resDue
	}
	return first, resolution
}

func (s *Service) history(ctx context.Context, id int64, names map[int64]string, customer string) ([]Event, error) {
	rows, err := s.db.Read.QueryContext(ctx, sqlHistory, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var actor string
		if err := rows.Scan(&at, &actor, &e.Kind, &e.From, &e.To); err != nil {
			return nil, err
		}
		e.At = timeOf(at)
		e.Actor = actorName(actor, names, customer)
		if e.Kind == EventAssigned {
			e.From, e.To = agentName(e.From, names), agentName(e.To, names)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func actorName(actor string, names map[int64]string, customer string) string {
	if id, ok := strings.CutPrefix(actor, "agent:"); ok {
		return agentName(id, names)
	}
	return customer
}

func agentName(id string, names map[int64]string) string {
	n, _ := strconv.ParseInt(id, 10, 64)
	if n == 0 {
		return ""
	}
	if name, ok := names[n]; ok {
		return name
	}
	return "#" + id
}

// Reply adds a public message. A customer's reply reopens a pending or
// resolved ticket; an agent's first reply stops the first-response timer and
// sends the customer a notice (when the reply is released). Only agents may
// set ReleaseAt; anyone may set ExpiresAt.
func (s *Service) Reply(ctx context.Context, v Viewer, ref string, rp Reply) error {
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return err
	}
	body, err := cleanText(rp.Body, s.lim.MaxBody, MsgBodyRequired, MsgBodyTooLong)
	if err != nil {
		return err
	}
	files, err := s.cleanUploads(rp.Files)
	if err != nil {
		return err
	}
	now := s.now()
	if !rp.ReleaseAt.IsZero() && !a.agent {
		return errNotAllowed()
	}
	if !rp.ReleaseAt.IsZero() && !rp.ReleaseAt.After(now) {
		rp.ReleaseAt = time.Time{}
	}
	if !rp.ExpiresAt.IsZero() && (!rp.ExpiresAt.After(now) || (!rp.ReleaseAt.IsZero() && !rp.ExpiresAt.After(rp.ReleaseAt))) {
		return errs.E(errs.Invalid, MsgScheduleInvalid)
	}
	// An expiring message stays out of the blind index: its words must go
	// with it.
	var words []int64
	if rp.ExpiresAt.IsZero() {
		words = s.wordHashes(body)
	}
	formID := strings.TrimSpace(rp.FormID)
	var formHash []byte
	if formID != "" {
		formHash = crypt.KeyedHash(s.keys.form, "reply", a.r.ref, formID)
	}
	var email string
	if a.agent {
		if email, err = s.customerEmail(a.r); err != nil {
			return errs.Wrap(err, "tickets: open e-mail")
		}
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if formHash != nil {
			var n int
			if err := tx.QueryRowContext(ctx, sqlFormCount, formHash).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				e := errs.E(errs.Conflict, MsgAlreadySent)
				e.Data = map[string]any{"Reference": a.r.ref}
				return e
			}
		}
		if err := a.reload(ctx, tx); err != nil {
			return err
		}
		r := a.r
		if r.status == StatusClosed {
			return errNotAllowed()
		}
		old := r.status
		t := now.Unix()
		author := authorCustomer
		if a.agent {
			author = authorAgent(v.Session.AccountID)
		}
		mid, err := s.msg.Post(ctx, tx, a.th, messaging.Post{Author: author, Kind: kindReply, Body: []byte(body), Files: files,
			ReleaseAt: rp.ReleaseAt, ExpiresAt: rp.ExpiresAt})
		if err != nil {
			return err
		}
		r.updated = t
		if a.agent {
			if r.firstResp == 0 {
				r.firstResp = t
			}
			if r.status == StatusNew {
				r.status = StatusOpen
			}
			r.custUnread = true
		} else {
			if r.status == StatusPending || r.status == StatusResolved {
				r.status = StatusOpen
				r.resolved = 0
			}
			r.deskUnread = true
		}
		if err := s.save(ctx, tx, r, old); err != nil {
			return err
		}
		if err := s.indexWords(ctx, tx, r.id, words); err != nil {
			return err
		}
		if err := s.event(ctx, tx, r.id, a.actor, EventReply, "", ""); err != nil {
			return err
		}
		if old != r.status {
			if err := s.event(ctx, tx, r.id, a.actor, EventStatus, string(old), string(r.status)); err != nil {
				return err
			}
		}
		if formHash != nil {
			if _, err := s.st.Exec(ctx, tx, sqlFormInsert, formHash, r.ref, t); err != nil {
				return err
			}
		}
		if !a.agent {
			return nil
		}
		if !rp.ReleaseAt.IsZero() {
			_, err := tx.ExecContext(ctx, sqlInsertNotice, mid, r.id, rp.ReleaseAt.Unix())
			return err
		}
		return s.replyNotice(ctx, tx, r, email)
	})
	return errs.Pass(err, "tickets: reply")
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

// Note adds an internal note (agents only), never shown to customers.
func (s *Service) Note(ctx context.Context, v Viewer, ref, body string) error {
	if !v.staff() {
		return errNotAllowed()
	}
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return err
	}
	body, err = cleanText(body, s.lim.MaxBody, MsgNoteRequired, MsgBodyTooLong)
	if err != nil {
		return err
	}
	words := s.wordHashes(body)
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.msg.Post(ctx, tx, a.th, messaging.Post{Author: a.actor, Kind: kindNote, Body: []byte(body)}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlTouchTicket, a.r.id, s.now().Unix()); err != nil {
			return err
		}
		if err := s.indexWords(ctx, tx, a.r.id, words); err != nil {
			return err
		}
		return s.event(ctx, tx, a.r.id, a.actor, EventNote, "", "")
	})
	return errs.Pass(err, "tickets: note")
}

// SetStatus changes the status. Customers may close their ticket (from any
// status) and reopen a resolved or closed one; agents may set any status.
func (s *Service) SetStatus(ctx context.Context, v Viewer, ref string, st Status) error {
	if !st.Valid() {
		return errs.E(errs.Invalid, MsgStatusNotAllowed)
	}
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := a.reload(ctx, tx); err != nil {
			return err
		}
		r := a.r
		old := r.status
		if old == st {
			return nil
		}
		done := old == StatusResolved || old == StatusClosed
		kind := EventStatus
		if !a.agent {
			switch {
			case st == StatusClosed:
				kind = EventClosed
			case st == StatusOpen && done:
				kind = EventReopened
			default:
				return errs.E(errs.Forbidden, MsgStatusNotAllowed)
			}
		}
		t := s.now().Unix()
		r.status, r.updated = st, t
		switch {
		case st == StatusResolved:
			r.resolved = t
		case st != StatusClosed && done:
			r.resolved = 0
		}
		if st == StatusClosed && r.resolved == 0 {
			r.resolved = t
		}
		if err := s.save(ctx, tx, r, old); err != nil {
			return err
		}
		return s.event(ctx, tx, r.id, a.actor, kind, string(old), string(st))
	})
	return errs.Pass(err, "tickets: set status")
}

// SetPriority changes the priority (agents only); the targets follow, counted
// from the ticket's creation.
func (s *Service) SetPriority(ctx context.Context, v Viewer, ref string, p Priority) error {
	if !v.staff() {
		return errNotAllowed()
	}
	if !p.Valid() {
		return errs.E(errs.Invalid, MsgPriorityInvalid)
	}
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := a.reload(ctx, tx); err != nil {
			return err
		}
		r := a.r
		old := r.priority
		if old == p {
			return nil
		}
		tg := s.targets[p]
		created := time.Unix(r.created, 0)
		r.priority, r.updated = p, s.now().Unix()
		r.frDue, r.resDue = created.Add(tg.FirstResponse).Unix(), created.Add(tg.Resolution).Unix()
		if err := s.save(ctx, tx, r, r.status); err != nil {
			return err
		}
		return s.event(ctx, tx, r.id, a.actor, EventPriority, string(old), string(p))
	})
	return errs.Pass(err, "tickets: set priority")
}

// Assign gives the ticket to an agent who entered the desk (agents only);
// agentID 0 unassigns it.
func (s *Service) Assign(ctx context.Context, v Viewer, ref string, agentID int64) error {
	if !v.staff() {
		return errNotAllowed()
	}
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if agentID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, sqlAgentExists, agentID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return errs.E(errs.Invalid, MsgAgentInvalid)
			}
		}
		if err := a.reload(ctx, tx); err != nil {
			return err
		}
		r := a.r
		old := r.assignee
		if old == agentID {
			return nil
		}
		r.assignee, r.updated = agentID, s.now().Unix()
		if err := s.save(ctx, tx, r, r.status); err != nil {
			return err
		}
		return s.event(ctx, tx, r.id, a.actor, EventAssigned, strconv.FormatInt(old, 10), strconv.FormatInt(agentID, 10))
	})
	return errs.Pass(err, "tickets: assign")
}

// maxRatingComment is the length limit of a rating's comment, in characters.
const maxRatingComment = 2000

// Rate records the customer's rating, 1–5 with an optional comment, once,
// on a resolved or closed ticket.
func (s *Service) Rate(ctx context.Context, v Viewer, ref string, score int, comment string) error {
	if v.staff() {
		return errNotAllowed()
	}
	if score < 1 || score > 5 {
		return errs.E(errs.Invalid, MsgRatingInvalid)
	}
	comment, err := cleanText(comment, maxRatingComment, "", MsgRatingInvalid)
	if err != nil {
		return err
	}
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return err
	}
	var sealed []byte
	if comment != "" {
		if sealed, err = a.th.Seal("rating", []byte(comment)); err != nil {
			return errs.Wrap(err, "tickets: seal rating")
		}
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := a.reload(ctx, tx); err != nil {
			return err
		}
		r := a.r
		if (r.status != StatusResolved && r.status != StatusClosed) || r.ratingScore != 0 {
			return errNotAllowed()
		}
		t := s.now().Unix()
		r.ratingScore, r.ratingSealed, r.ratedAt, r.updated = score, sealed, t, t
		if err := s.save(ctx, tx, r, r.status); err != nil {
			return err
		}
		return s.event(ctx, tx, r.id, a.actor, EventRated, "", strconv.Itoa(score))
	})
	return errs.Pass(err, "tickets: rate")
}

// Attachment returns one attachment of the ticket with its content, as v may
// see it: customers never get a note's or an unreleased reply's files.
func (s *Service) Attachment(ctx context.Context, v Viewer, ref string, id int64) (*Attachment, error) {
	a, err := s.open(ctx, v, ref)
	if err != nil {
		return nil, err
	}
	info, data, err := s.msg.File(ctx, s.db.Read, a.th, id, a.agent)
	if errors.Is(err, messaging.ErrNotFound) || (err == nil && !a.agent && info.MessageKind == kindNote) {
		return nil, errs.E(errs.NotFound, MsgNotFound)
	}
	if err != nil {
		return nil, errs.Wrap(err, "tickets: attachment")
	}
	return &Attachment{AttachmentInfo: AttachmentInfo{ID: info.ID, Name: info.Name, Type: info.Type, Size: info.Size}, Data: data}, nil
}
