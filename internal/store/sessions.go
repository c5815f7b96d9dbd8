package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"sync"
	"time"
)

// SessionStore is the store behind scs (github.com/alexedwards/scs/v2): it
// implements scs.Store and scs.CtxStore on the table sessions (migration 0011)
// of this database. Its SQL is portable ($N placeholders, ON CONFLICT … DO
// UPDATE, bound blobs and integers): a PostgreSQL store is this file's twin
// on a BYTEA/BIGINT table of the same names.
//
// The token scs hands over is base64url (with HashTokenInStore, of SHA-256 of
// the session token); it is kept as its bytes, so a room can refer to a row by
// the same 32 bytes (accounts' index does, ON DELETE CASCADE). A token that is
// not base64url is not found, and deleting it is a no-op.
//
// A call whose context carries a write transaction (WithTx) runs inside it:
// that is how a room keeps its own rows and scs's in one transaction.
type SessionStore struct {
	db  *DB
	now func() time.Time
	// find is sqlSessionFind prepared on the read pool (nil: unprepared):
	// every signed-in request runs it, and SQLite spends more time parsing
	// it than running it.
	find     *sql.Stmt
	findOnce sync.Once
}

// Session store SQL, for every engine.
const (
	sqlSessionFind   = `SELECT data, expiry FROM sessions WHERE token = $1`
	sqlSessionCommit = `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`
	sqlSessionDelete  = `DELETE FROM sessions WHERE token = $1`
	sqlSessionExpired = `DELETE FROM sessions WHERE token = $1 AND expiry <= $2`
	sqlSessionSweep   = `DELETE FROM sessions WHERE expiry <= $1`
)

// NewSessionStore is the session store on db. now is the store's clock (nil:
// time.Now): a row lives while its expiry is after now().
func NewSessionStore(db *DB, now func() time.Time) *SessionStore {
	if now == nil {
		now = time.Now
	}
	return &SessionStore{db: db, now: now}
}

func (s *SessionStore) findStmt(ctx context.Context) *sql.Stmt {
	s.findOnce.Do(func() {
		s.find, _ = s.db.Read.PrepareContext(context.WithoutCancel(ctx), sqlSessionFind)
	})
	return s.find
}

type txKey struct{}

// WithTx returns ctx carrying tx: the session store's calls with it run in tx.
func WithTx(ctx context.Context, tx *sql.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

func txOf(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(txKey{}).(*sql.Tx)
	return tx
}

func sessionKey(token string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	return b, err == nil && len(b) > 0
}

// FindCtx returns the data of a live session. An expired row is deleted on
// sight (and the periodic Sweep deletes the rest).
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	key, ok := sessionKey(token)
	if !ok {
		return nil, false, nil
	}
	var data []byte
	var expiry int64
	var err error
	if tx := txOf(ctx); tx != nil {
		err = tx.QueryRowContext(ctx, sqlSessionFind, key).Scan(&data, &expiry)
	} else if st := s.findStmt(ctx); st != nil {
		err = st.QueryRowContext(ctx, key).Scan(&data, &expiry)
	} else {
		err = s.db.Read.QueryRowContext(ctx, sqlSessionFind, key).Scan(&data, &expiry)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	now := s.now().UnixMilli()
	if expiry > now {
		return data, true, nil
	}
	return nil, false, s.exec(ctx, sqlSessionExpired, key, now)
}

// CommitCtx stores the session's data and expiry. scs computes expiry on the
// wall clock (time.Now); a store running on another clock (a test's) moves
// it by the difference, so "30 minutes from now" stays 30 minutes from the
// store's now.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	key, ok := sessionKey(token)
	if !ok {
		return errors.New("store: session token is not base64url")
	}
	at := s.now().Add(time.Until(expiry)).UnixMilli() // as far from the store's now as from the wall clock's
	return s.exec(ctx, sqlSessionCommit, key, b, at)
}

// DeleteCtx deletes the session (no error when there is none).
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	key, ok := sessionKey(token)
	if !ok {
		return nil
	}
	return s.exec(ctx, sqlSessionDelete, key)
}

// Sweep deletes every expired session and returns how many went.
func (s *SessionStore) Sweep(ctx context.Context) (int64, error) {
	var n int64
	err := s.execResult(ctx, func(r sql.Result) { n, _ = r.RowsAffected() }, sqlSessionSweep, s.now().UnixMilli())
	return n, err
}

// Find, Commit and Delete are scs.Store, without a context.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a context.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete is DeleteCtx without a context.
func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

func (s *SessionStore) exec(ctx context.Context, query string, args ...any) error {
	return s.execResult(ctx, nil, query, args...)
}

func (s *SessionStore) execResult(ctx context.Context, done func(sql.Result), query string, args ...any) error {
	var r sql.Result
	var err error
	if tx := txOf(ctx); tx != nil {
		r, err = tx.ExecContext(ctx, query, args...)
	} else {
		r, err = s.db.Write.ExecContext(ctx, query, args...)
	}
	if err == nil && done != nil {
		done(r)
	}
	return err
}
