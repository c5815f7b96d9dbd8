package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// Sessions are opaque random tokens (256 bits, base64url, 43 characters). The
// store neither knows nor cares how the token travels: a 1-Click cookie or a
// hidden form field of a cookie-less session look the same here. Only
// SHA-256(token) is stored; the account's data key is wrapped by a key derived
// from the token and the server secret, so neither a copy of the database nor
// the secret alone yields a live key. A session ends after IdleTimeout unused
// or AbsoluteTimeout after login, whichever is first.

const (
	tokenBytes = 32
	tokenLen   = 43 // base64url without padding of 32 bytes
	stageFull  = "full"
	stage2FA   = "second_factor"
	// touchEvery spares a write per request: last use is recorded to the
	// minute, so a session may idle out up to a minute early, never late.
	touchEvery = time.Minute
)

// Session is a signed-in session, as the HTTP layer holds it for one request.
// Its data key stays inside this package.
type Session struct {
	ID         int64
	AccountID  int64
	Role       Role
	Lang       string
	Label      string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute end; the idle timeout may come first

	token      string
	keyWrapped []byte
}

// SessionInfo is one line of the "active sessions" list.
type SessionInfo struct {
	ID         int64     `json:"id"`
	Label      string    `json:"label"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

func newToken() string {
	var b [tokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func wellFormedToken(t string) bool {
	if len(t) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func (a *Accounts) sessionKey(token string) []byte {
	return crypt.DeriveKey([]byte(token), a.keys.session, "accounts.session-key")
}

func cleanLabel(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100])
	}
	return s
}

func errSessionExpired() error { return errs.E(errs.Forbidden, MsgSessionExpired) }

// newSession is a session just stored.
type newSession struct {
	token   string
	id      int64
	wrapped []byte
}

// createSession stores a new session for accountID holding dataKey.
func (a *Accounts) createSession(ctx context.Context, tx *sql.Tx, accountID int64, dataKey []byte, stage, label string, created, expires time.Time) (newSession, error) {
	n := newSession{token: newToken()}
	var err error
	if n.wrapped, err = crypt.WrapKey(a.sessionKey(n.token), dataKey, ad("session-key", accountID)); err != nil {
		return n, err
	}
	err = tx.QueryRowContext(ctx, sqlInsertSession, tokenHash(n.token), accountID, stage, n.wrapped, cleanLabel(label),
		created.Unix(), a.unix(), expires.Unix()).Scan(&n.id)
	return n, err
}

// sessionRow is a stored session with what the account row adds.
type sessionRow struct {
	Session
	stage    string
	failures int
	state    State
}

// loadSession finds the session of token in any stage; expired ones are
// deleted and reported as missing (nil).
func (a *Accounts) loadSession(ctx context.Context, token string) (*sessionRow, error) {
	if !wellFormedToken(token) {
		return nil, nil
	}
	var r sessionRow
	var created, seen, expires int64
	err := a.db.Read.QueryRowContext(ctx, sqlSessionByHash, tokenHash(token)).Scan(&r.ID, &r.AccountID, &r.stage,
		&r.keyWrapped, &r.Label, &r.failures, &created, &seen, &expires, &r.Role, &r.state, &r.Lang)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "accounts: load session")
	}
	r.token = token
	r.CreatedAt, r.LastSeenAt, r.ExpiresAt = time.Unix(created, 0), time.Unix(seen, 0), time.Unix(expires, 0)
	now := a.now()
	if !now.Before(r.ExpiresAt) || now.Sub(r.LastSeenAt) >= a.lim.IdleTimeout || r.state != Active {
		if _, err := a.db.Write.ExecContext(ctx, sqlDeleteSession, r.ID); err != nil {
			return nil, errs.Wrap(err, "accounts: end expired session")
		}
		return nil, nil
	}
	return &r, nil
}

// Session returns the signed-in session of token, recording its use. A
// missing, ended, expired or half-open (second factor pending) session is a
// forbidden error with MsgSessionExpired.
func (a *Accounts) Session(ctx context.Context, token string) (*Session, error) {
	return a.session(ctx, token, true)
}

// PeekSession is Session without recording the use: for requests no person
// made, such as a page polling for news, which must not keep an abandoned
// session from idling out.
func (a *Accounts) PeekSession(ctx context.Context, token string) (*Session, error) {
	return a.session(ctx, token, false)
}

func (a *Accounts) session(ctx context.Context, token string, touch bool) (*Session, error) {
	r, err := a.loadSession(ctx, token)
	if err != nil {
		return nil, err
	}
	if r == nil || r.stage != stageFull {
		return nil, errSessionExpired()
	}
	if now := a.now(); touch && now.Sub(r.LastSeenAt) >= touchEvery {
		if _, err := a.db.Write.ExecContext(ctx, sqlTouchSession, r.ID, now.Unix()); err != nil {
			return nil, errs.Wrap(err, "accounts: touch session")
		}
		r.LastSeenAt = time.Unix(now.Unix(), 0)
	}
	s := r.Session
	return &s, nil
}

// dataKey unwraps the account's data key held by s.
func (a *Accounts) dataKey(s *Session) ([]byte, error) {
	k, err := crypt.UnwrapKey(a.sessionKey(s.token), s.keyWrapped, ad("session-key", s.AccountID))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: unwrap session key")
	}
	return k, nil
}

// Logout ends the session of token (no error when there is none).
func (a *Accounts) Logout(ctx context.Context, token string) error {
	if !wellFormedToken(token) {
		return nil
	}
	_, err := a.db.Write.ExecContext(ctx, sqlDeleteByHash, tokenHash(token))
	return errs.Wrap(err, "accounts: logout")
}

// RenewSession gives s a new token and deletes the old one; the absolute end
// stays. s is updated in place.
func (a *Accounts) RenewSession(ctx context.Context, s *Session) (string, error) {
	dk, err := a.dataKey(s)
	if err != nil {
		return "", err
	}
	var n newSession
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlDeleteSession, s.ID)
		if err != nil {
			return err
		}
		if gone, _ := res.RowsAffected(); gone != 1 {
			return errSessionExpired()
		}
		n, err = a.createSession(ctx, tx, s.AccountID, dk, stageFull, s.Label, s.CreatedAt, s.ExpiresAt)
		return err
	})
	if err != nil {
		return "", errs.Pass(err, "accounts: renew session")
	}
	s.ID, s.token, s.keyWrapped = n.id, n.token, n.wrapped
	return n.token, nil
}

// Sessions lists the account's live sessions, most recently used first.
func (a *Accounts) Sessions(ctx context.Context, s *Session) ([]SessionInfo, error) {
	now := a.now()
	rows, err := a.db.Read.QueryContext(ctx, sqlListSessions, s.AccountID, now.Unix(), now.Add(-a.lim.IdleTimeout).Unix())
	if err != nil {
		return nil, errs.Wrap(err, "accounts: list sessions")
	}
	defer rows.Close()
	var out []SessionInfo
	for rows.Next() {
		var i SessionInfo
		var created, seen, expires int64
		if err := rows.Scan(&i.ID, &i.Label, &created, &seen, &expires); err != nil {
			return nil, errs.Wrap(err, "accounts: list sessions")
		}
		i.CreatedAt, i.LastSeenAt, i.ExpiresAt = time.Unix(created, 0), time.Unix(seen, 0), time.Unix(expires, 0)
		i.Current = i.ID == s.ID
		out = append(out, i)
	}
	return out, errs.Wrap(rows.Err(), "accounts: list sessions")
}

// EndSession ends one of the account's sessions (by SessionInfo.ID).
func (a *Accounts) EndSession(ctx context.Context, s *Session, id int64) error {
	_, err := a.db.Write.ExecContext(ctx, sqlEndSession, id, s.AccountID)
	return errs.Wrap(err, "accounts: end session")
}

// EndOtherSessions ends every session of the account but s.
func (a *Accounts) EndOtherSessions(ctx context.Context, s *Session) error {
	_, err := a.db.Write.ExecContext(ctx, sqlEndOthers, s.AccountID, s.ID)
	return errs.Wrap(err, "accounts: end other sessions")
}

// EndAllSessions ends every session of the account, s included ("sign out
// everywhere").
func (a *Accounts) EndAllSessions(ctx context.Context, s *Session) error {
	_, err := a.db.Write.ExecContext(ctx, sqlEndAll, s.AccountID)
	return errs.Wrap(err, "accounts: end all sessions")
}

// Prune deletes expired sessions, stale counters, expired codes and
// registrations nobody completed.
func (a *Accounts) Prune(ctx context.Context) error {
	now := a.now()
	return errs.Wrap(a.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{sqlPruneSessions, []any{now.Unix(), now.Add(-a.lim.IdleTimeout).Unix()}},
			{sqlPruneLimits, []any{now.Add(-24 * time.Hour).Unix(), now.Unix()}},
			{sqlPruneCodes, []any{now.Unix()}},
			{sqlPrunePend, []any{now.Add(-a.lim.PendingLifetime).Unix()}},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	}), "accounts: prune")
}

// WrapForAccount wraps key (another room's key, such as a ticket thread's)
// under the signed-in account's data key, so that only this account, signed
// in, can unwrap it again. The data key itself never leaves this package.
func (a *Accounts) WrapForAccount(s *Session, key, ad []byte) ([]byte, error) {
	dk, err := a.dataKey(s)
	if err != nil {
		return nil, err
	}
	return crypt.WrapKey(dk, key, ad)
}

// UnwrapForAccount opens what WrapForAccount wrapped for the same account. It
// fails once the account's data key was replaced (Reset Account).
func (a *Accounts) UnwrapForAccount(s *Session, wrapped, ad []byte) ([]byte, error) {
	dk, err := a.dataKey(s)
	if err != nil {
		return nil, err
	}
	return crypt.UnwrapKey(dk, wrapped, ad)
}
