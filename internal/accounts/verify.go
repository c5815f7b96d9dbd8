package accounts

import (
	"context"

	"zerodesk/internal/crypt"
	"zerodesk/internal/store"
)

// CheckSealed opens the newest n accounts' e-mail addresses with the server
// secret alone, as the service does (zerodesk verify: does this secret open
// this database?). Only what the server key seals is checked: names,
// phrases and second factors open only with a user's usercode. It returns how
// many it tried and how many did not open; err is a database error.
func CheckSealed(ctx context.Context, db *store.DB, secret crypt.Secret, n int) (checked, failed int, err error) {
	key := secret.Subkey("accounts.email")
	return store.CheckSealed(ctx, db, sqlSampleSealedEmails, n, func(id int64, sealed []byte) bool {
		_, err := crypt.Open(key, sealed, ad("email", id))
		return err == nil
	})
}
