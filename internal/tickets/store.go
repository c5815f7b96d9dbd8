package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/messaging"
	"zerodesk/internal/store"
)

// farFuture is next_due once no timer runs.
const farFuture = int64(1) << 62

// row is a tickets row.
type row struct {
	id, threadID                                                  int64
	ref, lang, topic                                              string
	comment, closed, custUnread, deskUnread                       bool
	status                                                        Status
	priority                                                      Priority
	accountID                                                     sql.NullInt64
	assignee                                                      int64
	emailLookup, emailSealed, accessHash, ratingSealed            []byte
	created, updated, firstResp, resolved, frDue, resDue, nextDue int64
	ratingScore                                                   int
	ratedAt                                                       int64
	// The service-level clock (sla.go).
	slaUsed, slaSince, slaPausedAt, slaCheck, frWork, resWork int64
	slaState                                                  SLAState
	retarget                                                  bool // save: a new priority, new targets
}

// dest are the scan destinations of rowColumns.
func (r *row) dest() []any {
	return []any{&r.id, &r.threadID, &r.ref, &r.lang, &r.topic, &r.comment, &r.closed, &r.custUnread, &r.deskUnread,
		&r.status, &r.priority, &r.accountID, &r.assignee, &r.emailLookup, &r.emailSealed, &r.accessHash, &r.ratingSealed,
		&r.created, &r.updated, &r.firstResp, &r.resolved, &r.frDue, &r.resDue, &r.nextDue, &r.ratingScore, &r.ratedAt,
		&r.slaUsed, &r.slaSince, &r.slaPausedAt, &r.slaState, &r.slaCheck, &r.frWork, &r.resWork}
}

type scanner interface{ Scan(...any) error }

func scanRow(sc scanner) (*row, error) {
	r := &row{}
	err := sc.Scan(r.dest()...)
	return r, err
}

// loadRow reads one ticket by sqlTicketByRef or sqlTicketByID.
func loadRow(ctx context.Context, q store.Querier, query string, arg any) (*row, error) {
	r, err := scanRow(q.QueryRowContext(ctx, query, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errDenied()
	}
	return r, err
}

// save writes the mutable columns of r back, running its service-level
// clock (runClock) and recomputing next_due, and
// keeps ticket_counts in step when the status changed from old.
func (s *Service) save(ctx context.Context, tx *sql.Tx, r *row, old Status) error {
	r.closed = r.status == StatusClosed
	s.runClock(r, s.now().Unix(), r.retarget)
	r.nextDue = nextDue(r)
	_, err := tx.ExecContext(ctx, sqlSaveTicket,
		r.id, r.status, r.priority, r.assignee, r.updated, r.firstResp, r.resolved, r.frDue, r.resDue, r.nextDue, r.closed,
		r.custUnread, r.deskUnread, r.ratingScore, r.ratingSealed, r.ratedAt,
		r.slaUsed, r.slaSince, r.slaPausedAt, r.slaState, r.slaCheck, r.frWork, r.resWork)
	if err != nil || old == r.status {
		return err
	}
	return s.moveCount(ctx, tx, old, r.status)
}

func (s *Service) moveCount(ctx context.Context, tx *sql.Tx, from, to Status) error {
	if from != "" {
		if _, err := s.st.Exec(ctx, tx, sqlCountDown, from); err != nil {
			return err
		}
	}
	_, err := s.st.Exec(ctx, tx, sqlCountUp, to)
	return err
}

func nextDue(r *row) int64 {
	switch {
	case r.status == StatusResolved || r.status == StatusClosed:
		return farFuture
	case r.firstResp == 0 && r.frDue < r.resDue:
		return r.frDue
	default:
		return r.resDue
	}
}

func (s *Service) event(ctx context.Context, tx *sql.Tx, ticketID int64, actor, kind, from, to string) error {
	if _, err := s.st.Exec(ctx, tx, sqlEvent, ticketID, s.now().Unix(), actor, kind, from, to); err != nil {
		return err
	}
	return s.auditEvent(ctx, tx, ticketID, actor, kind, from, to) // audit.go
}

func errDenied() error     { return errs.E(errs.Forbidden, MsgAccessDenied) }
func errNotAllowed() error { return errs.E(errs.Forbidden, MsgNotAllowed) }

// meta is a thread's metadata: what a ticket keeps sealed under its key.
type meta struct {
	Subject string `json:"s"`
	Name    string `json:"n"`
	Article string `json:"a,omitempty"`
	// Fields are the custom fields' values, by field id (fields.go).
	Fields map[string]string `json:"f,omitempty"`
}

func metaOf(th *messaging.Thread) meta {
	var m meta
	_ = json.Unmarshal(th.Meta, &m)
	return m
}

// Participants of a ticket's thread, and the authors and readers of its
// messages.
const (
	authorCustomer = "customer"
	readerCustomer = "customer"
	readerDesk     = "desk"
	partGuest      = "guest"
	kindReply      = "reply"
	kindNote       = "note"
)

func partAccount(id int64) string { return "account:" + strconv.FormatInt(id, 10) }
func authorAgent(id int64) string { return "agent:" + strconv.FormatInt(id, 10) }

func (s *Service) accountKeyring(sess *accounts.Session) messaging.Keyring {
	return messaging.Keyring{
		Wrap:   func(key, ad []byte) ([]byte, error) { return s.acc.WrapForAccount(sess, key, ad) },
		Unwrap: func(w, ad []byte) ([]byte, error) { return s.acc.UnwrapForAccount(sess, w, ad) },
	}
}

// access is a viewer let into one ticket.
type access struct {
	r     *row
	th    *messaging.Thread
	agent bool
	actor string // history actor: "customer" or "agent:ID"
	sess  *accounts.Session
}

// open checks v against ticket ref and unlocks its thread. Unknown reference,
// wrong access key and someone else's ticket give the same MsgAccessDenied.
// Wrong access keys cost the guesser, not the ticket's owner: they are
// counted per (reference, client address), refused beyond Limits.WrongKeys
// per 15 minutes, and per address over every reference, refused beyond
// Limits.WrongKeysPerAddress; the owner's key from another address still
// opens the ticket. (Without an address, the pair is the reference alone.)
func (s *Service) open(ctx context.Context, v Viewer, ref string) (*access, error) {
	ref, ok := NormalizeReference(ref)
	if !ok {
		return nil, errDenied()
	}
	switch {
	case v.staff():
		return s.openAsDesk(ctx, v, ref)
	case v.Session != nil && v.AccessKey == "":
		return s.openAsAccount(ctx, v, ref)
	}
	return s.openWithKey(ctx, v, ref)
}

// openAsDesk lets staff into ticket ref with the desk's key.
func (s *Service) openAsDesk(ctx context.Context, v Viewer, ref string) (*access, error) {
	q := s.db.Read
	r, err := loadRow(ctx, q, sqlTicketByRef, ref)
	if err != nil {
		return nil, err
	}
	th, err := s.msg.OpenAsDesk(ctx, q, r.threadID)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: open as desk")
	}
	return &access{r: r, th: th, agent: true, actor: authorAgent(v.Session.AccountID), sess: v.Session}, nil
}

// openAsAccount lets a signed-in user into their own ticket ref with the
// account's data key.
func (s *Service) openAsAccount(ctx context.Context, v Viewer, ref string) (*access, error) {
	q := s.db.Read
	r, err := loadRow(ctx, q, sqlTicketByRef, ref)
	if err != nil {
		return nil, err
	}
	if !r.accountID.Valid || r.accountID.Int64 != v.Session.AccountID {
		return nil, errDenied()
	}
	// The account's data key must open the thread: after Reset Account
	// (a new data key) the ticket is followed with its access key, and an
	// account id reused after a deletion opens nothing.
	th, err := s.msg.OpenAs(ctx, q, r.threadID, partAccount(v.Session.AccountID), s.accountKeyring(v.Session))
	if err != nil {
		return nil, errDenied()
	}
	return &access{r: r, th: th, actor: authorCustomer, sess: v.Session}, nil
}

// openWithKey lets a guest into ticket ref with its reference and access
// key, within the wrong-key limits; a wrong key is counted against them.
func (s *Service) openWithKey(ctx context.Context, v Viewer, ref string) (*access, error) {
	if vr, ok := NormalizeReference(v.Reference); !ok || vr != ref {
		return nil, errDenied()
	}
	w := s.wrongKeysOf(v, ref)
	if err := s.checkWrongKeys(ctx, w); err != nil {
		return nil, err
	}
	r, err := loadRow(ctx, s.db.Read, sqlTicketByRef, ref)
	if err == nil && s.accessKeyMatches(r.accessHash, ref, v.AccessKey) {
		th, err := s.msg.OpenAs(ctx, s.db.Read, r.threadID, partGuest, s.guestKeyring(ref, v.AccessKey))
		if err != nil {
			return nil, errDenied()
		}
		return &access{r: r, th: th, actor: authorCustomer}, nil
	}
	if err := s.countWrongKey(ctx, w); err != nil {
		return nil, err
	}
	return nil, errDenied()
}

// wrongKeys are the counters a guest's wrong access key goes to: per
// (reference, address) and, with an address, per address.
type wrongKeys struct {
	pair, addr []byte
	address    string
	now        int64
}

const wrongKeyWindow = 15 * time.Minute

func (s *Service) wrongKeysOf(v Viewer, ref string) wrongKeys {
	return wrongKeys{
		pair:    crypt.KeyedHash(s.keys.limit, scopeWrongKey, ref, v.Address),
		addr:    crypt.KeyedHash(s.keys.limit, scopeWrongKeyAddress, v.Address),
		address: v.Address,
		now:     s.now().Unix(),
	}
}

// checkWrongKeys refuses a guest who has used up either counter of w.
func (s *Service) checkWrongKeys(ctx context.Context, w wrongKeys) error {
	q := s.db.Read
	n, err := counted(ctx, q, scopeWrongKey, w.pair, wrongKeyWindow, w.now)
	if err != nil {
		return errs.Wrap(err, "tickets: wrong-key counter")
	}
	if n >= s.lim.WrongKeys {
		return errs.E(errs.RateLimited, MsgTooManyAttempts)
	}
	if w.address == "" {
		return nil
	}
	n, err = counted(ctx, q, scopeWrongKeyAddress, w.addr, wrongKeyWindow, w.now)
	if err != nil {
		return errs.Wrap(err, "tickets: wrong-key counter")
	}
	if n >= s.lim.WrongKeysPerAddress {
		return errs.E(errs.RateLimited, MsgTooManyAttempts)
	}
	return nil
}

// countWrongKey counts one wrong access key on the counters of w.
func (s *Service) countWrongKey(ctx context.Context, w wrongKeys) error {
	err := s.commits.Do(ctx, func(tx *sql.Tx) error {
		if _, err := s.tryCount(ctx, tx, scopeWrongKey, w.pair, wrongKeyWindow, s.lim.WrongKeys, w.now); err != nil {
			return err
		}
		if w.address == "" {
			return nil
		}
		_, err := s.tryCount(ctx, tx, scopeWrongKeyAddress, w.addr, wrongKeyWindow, s.lim.WrongKeysPerAddress, w.now)
		return err
	})
	if err != nil {
		return errs.Wrap(err, "tickets: count wrong key")
	}
	return nil
}

// reload reads a's row again inside tx (another change may have landed).
func (a *access) reload(ctx context.Context, tx *sql.Tx) error {
	r, err := loadRow(ctx, tx, sqlTicketByID, a.r.id)
	if err == nil {
		a.r = r
	}
	return err
}

func (s *Service) customerEmail(r *row) (string, error) {
	b, err := crypt.Open(s.keys.email, r.emailSealed, adEmail(r.ref))
	return string(b), err
}

func (s *Service) agentNames(ctx context.Context, q store.Querier) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, sqlAgents)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			return nil, err
		}
		name, err := crypt.Open(s.keys.agent, sealed, adAgent(id))
		if err != nil {
			return nil, err
		}
		out[id] = string(name)
	}
	return out, rows.Err()
}

func adAgent(id int64) []byte { return []byte("tickets.agent|" + strconv.FormatInt(id, 10)) }

func timeOf(u int64) time.Time {
	if u == 0 || u >= farFuture {
		return time.Time{}
	}
	return time.Unix(u, 0).UTC()
}
