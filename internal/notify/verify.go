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
	return store.CheckSealed(ctx, db, sqlSampleAgentEmails, n, func(id int64, sealed []byte) bool {
		_, err := crypt.Open(key, sealed, adAgent(id))
		return err == nil
	})
}
