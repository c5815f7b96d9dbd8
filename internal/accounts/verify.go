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
	rows, err := db.Read.QueryContext(ctx, sqlSampleSealedEmails, n)
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
		if _, err := crypt.Open(key, sealed, ad("email", id)); err != nil {
			failed++
		}
	}
	return checked, failed, rows.Err()
}
