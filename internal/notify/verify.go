package notify

import (
	"context"

	"zerodesk/internal/crypt"
	"zerodesk/internal/store"
)

// CheckSealed opens n agents' sealed addresses with the server secret alone
// (zerodesk verify). It returns how many it tried and how many did not open;
// err is a database error.
func CheckSealed(ctx context.Context, db *store.DB, secret crypt.Secret, n int) (checked, failed int, err error) {
	key := secret.Subkey("notify.agent")
	rows, err := db.Read.QueryContext(ctx, sqlSampleAgentEmails, n)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			return checked, failed, err
		}
		checked++
		if _, err := crypt.Open(key, sealed, adAgent(id)); err != nil {
			failed++
		}
	}
	return checked, failed, rows.Err()
}
