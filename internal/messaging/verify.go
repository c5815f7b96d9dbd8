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
		id         int64
		wrapped    []byte
		metaSealed []byte
	}
	var threads []thread
	rows, err := db.Read.QueryContext(ctx, sqlSampleThreads, n)
	if err != nil {
		return 0, 0, err
	}
	for rows.Next() {
		var t thread
		if err := rows.Scan(&t.id, &t.wrapped, &t.metaSealed); err != nil {
			rows.Close()
			return 0, 0, err
		}
		threads = append(threads, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	for _, t := range threads {
		checked++
		key, err := crypt.UnwrapKey(desk, t.wrapped, adThread(t.id, "desk"))
		if err == nil {
			_, err = crypt.Open(key, t.metaSealed, adMeta(t.id))
		}
		if err == nil {
			var mid int64
			var mkeyWrapped, body []byte
			switch qerr := db.Read.QueryRowContext(ctx, sqlSampleMessage, t.id).Scan(&mid, &mkeyWrapped, &body); {
			case errors.Is(qerr, sql.ErrNoRows):
			case qerr != nil:
				return checked, failed, qerr
			default:
				var mkey []byte
				if mkey, err = crypt.UnwrapKey(key, mkeyWrapped, adMsgKey(t.id, mid)); err == nil {
					_, err = crypt.Open(mkey, body, adBody(t.id, mid))
				}
			}
		}
		if err != nil {
			failed++
		}
	}
	return checked, failed, nil
}
