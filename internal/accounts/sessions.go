package accounts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alexedwards/scs/v2"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/store"
)

// Signed-in sessions run on scs (github.com/alexedwards/scs/v2): one
// scs.SessionManager (a.sm) creates the token (256 bits, base64url, 43
// characters), renews it (RenewToken) on login, on the second factor and on a
// credential change, ends it (Destroy) on logout, and keeps the idle timeout
// and the absolute lifetime. The store behind it is ours (store.SessionStore,
// HashTokenInStore: only SHA-256 of the token is stored). Here the token is
// loaded with Load(ctx, token) and saved with Commit(ctx) by hand: the store
// neither knows nor cares how the token travels, a 1-Click cookie or a hidden
// form field of a cookie-less session look the same.
//
// scs's session data holds the account id and the account's data key wrapped
// by a key derived from the raw token and the server secret, so neither a copy
// of the database nor the secret alone yields a live key. What scs does not
// do stays ours: the per-account index (account_sessions: device label,
// created, last seen, the stage of a half-open login), written in the same
// transaction as scs's row, which it follows (ON DELETE CASCADE).

const (
	tokenLen  = 43 // base64url without padding of scs's 32-byte tokens
	stageFull = "full"
	stage2FA  = "second_factor"
	// touchEvery bounds the writes of a live session: a use is committed
	// (last seen, and scs's idle expiry) at most once a minute, so a session
	// may idle out up to a minute early, never late.
	touchEvery = time.Minute

	keyAccount = "account" // scs data: the account id (int64)
	keyWrapped = "key"     // scs data: the data key, wrapped under the token
)

// Session is a signed-in session, as the HTTP layer holds it for one request.
// Its token and data key stay inside this package.
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
	sctx       context.Context // scs's session data (Load)
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

// newManager is the one session manager, on the store in db. The cookie
// settings are the safe ones; the web side names the cookie per connection.
func newManager(st *store.SessionStore, lim Limits) *scs.SessionManager {
	m := scs.New()
	m.Store = st
	m.Codec = sessionCodec{}
	m.IdleTimeout = lim.IdleTimeout
	m.Lifetime = lim.AbsoluteTimeout
	m.HashTokenInStore = true
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Path = "/"
	m.Cookie.Persist = false
	return m
}

// SessionManager is the one scs session manager: the web side writes the
// 1-Click cookie with it (WriteSessionCookie). Its sessions are created,
// loaded, renewed and ended only through this package.
func (a *Accounts) SessionManager() *scs.SessionManager { return a.sm }

// wellFormedToken is input validation: a value that cannot be a token costs
// no database read.
func wellFormedToken(t string) bool {
	if len(t) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

// tokenHash is what scs's store keeps of a token (HashTokenInStore), as bytes.
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

// startSession gives the scs session in sctx (loaded in tx: store.WithTx) a
// new token (RenewToken, which deletes the old one, index line included),
// fills it for accountID holding dataKey, commits it and writes its index
// line, all in tx.
func (a *Accounts) startSession(sctx context.Context, tx *sql.Tx, accountID int64, dataKey []byte, stage, label string, created, end time.Time) (newSession, error) {
	var n newSession
	if err := a.sm.RenewToken(sctx); err != nil {
		return n, err
	}
	if err := a.sm.Clear(sctx); err != nil {
		return n, err
	}
	n.token = a.sm.Token(sctx)
	var err error
	if n.wrapped, err = crypt.WrapKey(a.sessionKey(n.token), dataKey, ad("session-key", accountID)); err != nil {
		return n, err
	}
	a.sm.Put(sctx, keyAccount, accountID)
	a.sm.Put(sctx, keyWrapped, n.wrapped)
	if err := a.commit(sctx, end); err != nil {
		return n, err
	}
	err = tx.QueryRowContext(sctx, sqlInsertSession, tokenHash(n.token), accountID, stage, cleanLabel(label),
		created.Unix(), a.unix(), end.Unix()).Scan(&n.id)
	return n, err
}

// createSession starts a session in tx for a login; the session the client
// held before (prev, if any) ends, so a login always starts a fresh token.
func (a *Accounts) createSession(ctx context.Context, tx *sql.Tx, prev string, accountID int64, dataKey []byte, stage, label string, created, end time.Time) (newSession, error) {
	if !wellFormedToken(prev) {
		prev = ""
	}
	sctx, err := a.sm.Load(store.WithTx(ctx, tx), prev)
	if err != nil {
		return newSession{}, err
	}
	return a.startSession(sctx, tx, accountID, dataKey, stage, label, created, end)
}

// commit saves the scs session in sctx with the absolute end. scs keeps its
// deadline on the wall clock (time.Now); a.now may be a test's clock, so the
// end is handed over as "this long from now".
func (a *Accounts) commit(sctx context.Context, end time.Time) error {
	a.sm.SetDeadline(sctx, time.Now().Add(end.Sub(a.now())))
	_, _, err := a.sm.Commit(sctx)
	return err
}

// sessionRow is a stored session with what the account row adds.
type sessionRow struct {
	Session
	stage    string
	failures int
	state    State
}

// loadSession finds the session of token in any stage (scs's Load: a missing
// or expired one is nil); a session of an account no longer active ends.
func (a *Accounts) loadSession(ctx context.Context, token string) (*sessionRow, error) {
	if !wellFormedToken(token) {
		return nil, nil
	}
	sctx, err := a.sm.Load(ctx, token)
	if err != nil {
		return nil, errs.Wrap(err, "accounts: load session")
	}
	if a.sm.Token(sctx) == "" {
		return nil, nil
	}
	var r sessionRow
	var created, seen, expires int64
	err = a.byHash.QueryRowContext(ctx, tokenHash(token)).Scan(&r.ID, &r.AccountID, &r.stage,
		&r.Label, &r.failures, &created, &seen, &expires, &r.Role, &r.state, &r.Lang)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "accounts: load session")
	}
	r.token, r.sctx = token, sctx
	r.keyWrapped = a.sm.GetBytes(sctx, keyWrapped)
	r.CreatedAt, r.LastSeenAt, r.ExpiresAt = time.Unix(created, 0), time.Unix(seen, 0), time.Unix(expires, 0)
	if r.state != Active || a.sm.GetInt64(sctx, keyAccount) != r.AccountID {
		if err := a.sm.Destroy(sctx); err != nil {
			return nil, errs.Wrap(err, "accounts: end session")
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
// session from idling out. It loads the scs session and never commits it:
// scs slides the idle expiry only on Commit.
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
		if a.beforeTouch != nil {
			a.beforeTouch()
		}
		// Last seen and scs's commit (the idle expiry slides) in one
		// transaction, by the first of the requests that found the
		// minute over: the others (the line is fresh again), and a use of
		// a session ended or renewed meanwhile (no line), commit nothing,
		// so an old token is never brought back. What is committed is the
		// session's data as stored now, loaded again in the transaction:
		// committing the copy this request loaded would undo what another
		// request of the session changed meanwhile (a one-time result, a
		// two-step set-up: changeData).
		err := a.db.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, sqlTouchSession, tokenHash(r.token), now.Unix(), now.Add(-touchEvery).Unix())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil
			}
			fresh, err := a.sm.Load(store.WithTx(ctx, tx), r.token)
			if err != nil {
				return err
			}
			if a.sm.Token(fresh) == "" {
				return nil
			}
			return a.commit(fresh, r.ExpiresAt)
		})
		if err != nil {
			return nil, errs.Pass(err, "accounts: touch session")
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

// Logout ends the session of token (no error when there is none): scs's
// Destroy deletes its row, and the index line with it.
func (a *Accounts) Logout(ctx context.Context, token string) error {
	if !wellFormedToken(token) {
		return nil
	}
	sctx, err := a.sm.Load(ctx, token)
	if err != nil {
		return errs.Wrap(err, "accounts: logout")
	}
	if a.sm.Token(sctx) == "" {
		return nil
	}
	return errs.Wrap(a.sm.Destroy(sctx), "accounts: logout")
}

// RenewSession gives s a new token (scs's RenewToken) and deletes the old
// one; the absolute end stays. s is updated in place.
func (a *Accounts) RenewSession(ctx context.Context, s *Session) (string, error) {
	dk, err := a.dataKey(s)
	if err != nil {
		return "", err
	}
	if s.sctx == nil {
		return "", errSessionExpired()
	}
	var n newSession
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, sqlSessionLive, tokenHash(s.token)).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errSessionExpired()
			}
			return err
		}
		n, err = a.startSession(store.WithTx(s.sctx, tx), tx, s.AccountID, dk, stageFull, s.Label, s.CreatedAt, s.ExpiresAt)
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
	rows, err := a.db.Read.QueryContext(ctx, sqlListSessions, s.AccountID, now.UnixMilli())
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
		if _, err := a.store.Sweep(store.WithTx(ctx, tx)); err != nil { // scs's expired rows, and their index lines
			return err
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
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
