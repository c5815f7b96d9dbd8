package mail

import (
	"context"

	"zerodesk/internal/crypt"
	"zerodesk/internal/store"
)

const sqlSampleOutbox = `SELECT message_id, sealed FROM mail_outbox ORDER BY id DESC LIMIT $1`

// CheckSealed opens the newest n queued messages with the server secret
// (zerodesk verify), as delivery would. It returns how many it tried and how
// many did not open; err is a database error.
func CheckSealed(ctx context.Context, db *store.DB, secret crypt.Secret, n int) (checked, failed int, err error) {
	key := secret.Subkey("mail.outbox")
	return store.CheckSealed(ctx, db, sqlSampleOutbox, n, func(id string, sealed []byte) bool {
		_, err := crypt.Open(key, sealed, ad(id))
		return err == nil
	})
}
