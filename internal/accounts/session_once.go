package accounts

import (
	"context"
	"database/sql"

	"zerodesk/internal/errs"
	"zerodesk/internal/store"
)

// keyOnce prefixes the one-time values in scs's session data.
const keyOnce = "once:"

// PutOnce keeps value in the session's data under name until TakeOnce takes
// it: a result the web side shows once after its redirect (redirect after
// POST). It is in scs's row in the database, so the instance that serves the
// redirect, whichever it is, finds it (issue 15: no sticky sessions). A value
// put again replaces the one before. It is for identifiers and message IDs,
// not secrets: scs's data is not sealed.
func (a *Accounts) PutOnce(ctx context.Context, s *Session, name string, value []byte) error {
	return a.changeData(ctx, s, func(sctx context.Context) bool {
		a.sm.Put(sctx, keyOnce+name, value)
		return true
	})
}

// TakeOnce returns the value PutOnce kept under name and removes it (nil
// when there is none: taken already, or never put).
func (a *Accounts) TakeOnce(ctx context.Context, s *Session, name string) ([]byte, error) {
	var v []byte
	err := a.changeData(ctx, s, func(sctx context.Context) bool {
		v = a.sm.PopBytes(sctx, keyOnce+name)
		return v != nil
	})
	return v, err
}

// changeData changes the session's scs data with fn in one write
// transaction, on the data as stored now (loaded again in the transaction,
// so two changes never undo each other), and commits it when fn says it
// changed something. A session ended meanwhile is MsgSessionExpired.
func (a *Accounts) changeData(ctx context.Context, s *Session, fn func(sctx context.Context) bool) error {
	if s == nil || !wellFormedToken(s.token) {
		return errSessionExpired()
	}
	return errs.Pass(a.db.Tx(ctx, func(tx *sql.Tx) error {
		sctx, err := a.sm.Load(store.WithTx(ctx, tx), s.token)
		if err != nil {
			return err
		}
		if a.sm.Token(sctx) == "" {
			return errSessionExpired()
		}
		if !fn(sctx) {
			return nil
		}
		return a.commit(sctx, s.ExpiresAt)
	}), "accounts: session data")
}
