package notify

import (
	"context"
	"database/sql"

	"zerodesk/internal/errs"
)

// EraseAccountData forgets an account deleted or closed, in the transaction
// that deletes it (accounts.DataEraser): its sealed address, its choices,
// its notifications.
func (s *Service) EraseAccountData(ctx context.Context, tx *sql.Tx, accountID int64) error {
	for _, q := range []string{sqlEraseAgent, sqlErasePrefs, sqlEraseTopics, sqlEraseNotifications, sqlEraseOnce} {
		if _, err := tx.ExecContext(ctx, q, accountID); err != nil {
			return errs.Wrap(err, "notify: erase")
		}
	}
	return nil
}
