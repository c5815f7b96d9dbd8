package tickets

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"zerodesk/internal/errs"
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
	m := metaOf(a.th)
	email, err := s.customerEmail(a.r)
	if err != nil {
		return nil, nil, err
	}
	names, err := s.agentNames(ctx, s.db.Read)
	if err != nil {
		return nil, nil, err
	}
	t := ticketOf(a.r, m, email, names, s.now().Unix())
	if t.Rating, err = ratingOf(a); err != nil {
		return nil, nil, err
	}
	allowActions(t, a)
	unread, err := s.viewMessages(ctx, a, t, names, m.Name)
	if err != nil {
		return nil, nil, err
	}
	if err := s.triageView(ctx, a, t, names); err != nil { // merge.go
		return nil, nil, err
	}
	if a.agent {
		if t.History, err = s.history(ctx, a.r.id, names, m.Name); err != nil {
			return nil, nil, err
		}
		if t.Fields, err = s.ticketFields(ctx, a.r.topic, m); err != nil { // fields.go
			return nil, nil, err
		}
	}
	return t, unread, nil
}

// ticketOf is row r with its thread's meta m as a Ticket, without rating,
// actions or messages; now decides what is overdue.
func ticketOf(r *row, m meta, email string, names map[int64]string, now int64) *Ticket {
	t := &Ticket{ID: r.id, Reference: r.ref, Lang: r.lang, Topic: r.topic, Subject: m.Subject, Article: m.Article,
		Comment: r.comment, Status: r.status, Priority: r.priority, CustomerName: m.Name, CustomerEmail: email,
		AccountID: r.accountID.Int64, AssigneeID: r.assignee, AssigneeName: names[r.assignee],
		CreatedAt: timeOf(r.created), UpdatedAt: timeOf(r.updated), FirstResponseAt: timeOf(r.firstResp),
		ResolvedAt: timeOf(r.resolved), FirstResponseDue: timeOf(r.frDue), ResolutionDue: timeOf(r.resDue)}
	t.FirstResponseOverdue, t.ResolutionOverdue = overdue(r, now)
	return t
}

// ratingOf is the customer's rating of a's ticket with its comment opened,
// or nil before one.
func ratingOf(a *access) (*Rating, error) {
	r := a.r
	if r.ratingScore <= 0 {
		return nil, nil
	}
	rt := &Rating{Score: r.ratingScore, At: timeOf(r.ratedAt)}
	if r.ratingSealed != nil {
		c, err := a.th.Open("rating", r.ratingSealed)
		if err != nil {
			return nil, err
		}
		rt.Comment = string(c)
	}
	return rt, nil
}

// allowActions sets what a's viewer may do with the ticket in its status.
func allowActions(t *Ticket, a *access) {
	r := a.r
	done := r.status == StatusResolved || r.status == StatusClosed
	t.CanReply = r.status != StatusClosed
	t.CanClose = r.status != StatusClosed
	t.CanReopen = done
	t.CanRate = !a.agent && done && r.ratingScore == 0
}

// viewMessages adds the thread's messages a's viewer may see to t (no
// internal notes for the customer) and returns the released ones from the
// other side that the viewer has not read yet.
func (s *Service) viewMessages(ctx context.Context, a *access, t *Ticket, names map[int64]string, customer string) ([]int64, error) {
	msgs, err := s.msg.Messages(ctx, s.db.Read, a.th, a.agent)
	if err != nil {
		return nil, err
	}
	var unread []int64
	for _, mm := range msgs {
		if mm.Kind == kindNote && !a.agent {
			continue
		}
		msg := messageOf(mm, names, customer)
		t.Messages = append(t.Messages, msg)
		if mm.Released && unreadBy(a.agent, msg) {
			unread = append(unread, mm.ID)
		}
	}
	return unread, nil
}

// messageOf is thread message mm as a Message, its author named.
func messageOf(mm messaging.Message, names map[int64]string, customer string) Message {
	fromAgent := strings.HasPrefix(mm.Author, "agent:")
	msg := Message{ID: mm.ID, FromAgent: fromAgent, Body: string(mm.Body), Internal: mm.Kind == kindNote,
		CreatedAt: mm.CreatedAt, ReleaseAt: mm.ReleaseAt, ExpiresAt: mm.ExpiresAt, Expired: mm.Expired,
		ReadByCustomerAt: mm.ReadBy[readerCustomer], ReadByAgentAt: mm.ReadBy[readerDesk]}
	if fromAgent {
		id, _ := strconv.ParseInt(strings.TrimPrefix(mm.Author, "agent:"), 10, 64)
		msg.AuthorName = names[id]
	} else {
		msg.AuthorName = customer
	}
	for _, f := range mm.Files {
		msg.Attachments = append(msg.Attachments, AttachmentInfo{ID: f.ID, Name: f.Name, Type: f.Type, Size: f.Size})
	}
	return msg
}

// unreadBy tells whether a released message is one the viewer (an agent
// or the customer) has yet to read: from the other side, not a note, not
// read.
func unreadBy(agent bool, msg Message) bool {
	if msg.Internal {
		return false
	}
	if agent {
		return !msg.FromAgent && msg.ReadByAgentAt.IsZero()
	}
	return msg.FromAgent && msg.ReadByCustomerAt.IsZero()
}

func overdue(r *row, now int64) (first, resolution bool) {
	if r.slaSince == 0 && r.slaPausedAt > 0 {
		now = r.slaPausedAt // a standing clock: judged when it stopped
	}
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
	// Mentions are found now, in the text before it is sealed: only the
	// mentioned agents' ids leave this function.
	names, err := s.agentNames(ctx, s.db.Read)
	if err != nil {
		return errs.Wrap(err, "tickets: note")
	}
	mentioned := mentions(body, names)
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
		if err := s.event(ctx, tx, a.r.id, a.actor, EventNote, "", ""); err != nil {
			return err
		}
		if len(mentioned) == 0 {
			return nil
		}
		return s.notify(ctx, tx, NotifyMention, a.r, a.r.topic, v.Session.AccountID, mentioned...)
	})
	return errs.Pass(err, "tickets: note")
}

// SetStatus changes the status, as nextStatus allows: customers may close
// their ticket (from any status) and reopen a resolved or closed one; agents
// may set any status.
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
		t := s.now().Unix()
		next, err := nextStatus(statusMove{From: old, To: st, Agent: a.agent, Resolved: r.resolved, Now: t})
		if err != nil || next.Event == "" {
			return err
		}
		r.status, r.resolved, r.updated = next.Status, next.Resolved, t
		if err := s.save(ctx, tx, r, old); err != nil {
			return err
		}
		return s.event(ctx, tx, r.id, a.actor, next.Event, string(old), string(st))
	})
	return errs.Pass(err, "tickets: set status")
}

// SetPriority changes the priority (agents only); the targets follow, counted
// on the ticket's service-level clock (from its creation, pauses left out).
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
		r.priority, r.updated, r.retarget = p, s.now().Unix(), true
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
		if err := s.event(ctx, tx, r.id, a.actor, EventAssigned, strconv.FormatInt(old, 10), strconv.FormatInt(agentID, 10)); err != nil {
			return err
		}
		return s.notify(ctx, tx, NotifyAssigned, r, r.topic, v.Session.AccountID, agentID)
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
	if errors.Is(err, messaging.ErrNotFound) {
		info, data, err = s.mergedFile(ctx, a, id) // a merged ticket's file (merge.go)
	}
	if errors.Is(err, messaging.ErrNotFound) || (err == nil && !a.agent && info.MessageKind == kindNote) {
		return nil, errs.E(errs.NotFound, MsgNotFound)
	}
	if err != nil {
		return nil, errs.Wrap(err, "tickets: attachment")
	}
	return &Attachment{AttachmentInfo: AttachmentInfo{ID: info.ID, Name: info.Name, Type: info.Type, Size: info.Size}, Data: data}, nil
}
