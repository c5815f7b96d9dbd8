package tickets

import (
	"context"

	"zerodesk/internal/crypt"
	"zerodesk/internal/store"
)

// CheckSealed opens, with the server secret alone, the contact addresses of
// the newest n tickets and the names of the n agents seen last, as the
// service does (zerodesk verify). The messages themselves are the messaging
// core's (messaging.CheckSealed). It returns how many it tried and how many
// did not open; err is a database error.
func CheckSealed(ctx context.Context, db *store.DB, secret crypt.Secret, n int) (checked, failed int, err error) {
	emailKey, agentKey := secret.Subkey("tickets.email"), secret.Subkey("tickets.agent")
	try := func(query string, open func(scan func(...any) error) error) error {
		rows, err := db.Read.QueryContext(ctx, query, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			checked++
			if err := open(rows.Scan); err != nil {
				if err != crypt.ErrOpen {
					return err
				}
				failed++
			}
		}
		return rows.Err()
	}
	err = try(sqlSampleTicketEmails, func(scan func(...any) error) error {
		var ref string
		var sealed []byte
		if err := scan(&ref, &sealed); err != nil {
			return err
		}
		_, err := crypt.Open(emailKey, sealed, adEmail(ref))
		return err
	})
	if err != nil {
		return checked, failed, err
	}
	err = try(sqlSampleAgentNames, func(scan func(...any) error) error {
		var id int64
		var sealed []byte
		if err := scan(&id, &sealed); err != nil {
			return err
		}
		_, err := crypt.Open(agentKey, sealed, adAgent(id))
		return err
	})
	return checked, failed, err
}
