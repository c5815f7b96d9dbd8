package messaging

import (
	"context"
	"database/sql"
	"errors"

	"zerodesk/internal/crypt"
	"zerodesk/internal/store"
)

// CheckSealed opens the newest n threads with the server secret alone, the
// desk's way (zerodesk verify): the thread key from its desk wrapping, the
// metadata, and the newest message still held (its key, then its body). Each
// thread counts once; it fails when any of these does not open. err is a
// database error.
func CheckSealed(ctx context.Context, db *store.DB, secret crypt.Secret, n int) (checked, failed int, err error) {
	desk := secret.Subkey("messaging.desk")
	type thread struct {
		id                  int64
		wrapped, metaSealed []byte
	}
	return store.CheckSample(ctx, db, sqlSampleThreads, n,
		func(t *thread, scan func(...any) error) error { return scan(&t.id, &t.wrapped, &t.metaSealed) },
		func(t thread) (bool, error) {
			key, err := crypt.UnwrapKey(desk, t.wrapped, adThread(t.id, "desk"))
			if err == nil {
				_, err = crypt.Open(key, t.metaSealed, adMeta(t.id))
			}
			if err != nil {
				return false, nil
			}
			var mid int64
			var mkeyWrapped, body []byte
			switch err := db.Read.QueryRowContext(ctx, sqlSampleMessage, t.id).Scan(&mid, &mkeyWrapped, &body); {
			case errors.Is(err, sql.ErrNoRows):
				return true, nil
			case err != nil:
				return false, err
			}
			mkey, err := crypt.UnwrapKey(key, mkeyWrapped, adMsgKey(t.id, mid))
			if err == nil {
				_, err = crypt.Open(mkey, body, adBody(t.id, mid))
			}
			return err == nil, nil
		})
}
