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
	checked, failed, err = store.CheckSealed(ctx, db, sqlSampleTicketEmails, n, func(ref string, sealed []byte) bool {
		_, err := crypt.Open(emailKey, sealed, adEmail(ref))
		return err == nil
	})
	if err != nil {
		return checked, failed, err
	}
	agents, agentsFailed, err := store.CheckSealed(ctx, db, sqlSampleAgentNames, n, func(id int64, sealed []byte) bool {
		_, err := crypt.Open(agentKey, sealed, adAgent(id))
		return err == nil
	})
	return checked + agents, failed + agentsFailed, err
}
