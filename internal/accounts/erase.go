package accounts

import (
	"context"
	"database/sql"
)

// DataEraser erases what another room keeps for an account (the tickets of
// package tickets), inside the transaction that deletes the account: the
// account and its data go together or not at all. accounts knows no room;
// the caller (handlers) passes the rooms to Delete.
type DataEraser interface {
	EraseAccountData(ctx context.Context, tx *sql.Tx, accountID int64) error
}
