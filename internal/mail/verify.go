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
	rows, err := db.Read.QueryContext(ctx, sqlSampleOutbox, n)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			return checked, failed, err
		}
		checked++
		if _, err := crypt.Open(key, sealed, ad(id)); err != nil {
			failed++
		}
	}
	return checked, failed, rows.Err()
}
