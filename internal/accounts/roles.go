package accounts

import (
	"context"
	"database/sql"
	"time"

	"zerodesk/internal/errs"
)

// Granting the Manager role: an administrator names the e-mail address an
// account registered with; every active or suspended user account (Basic,
// Premium) registered with it becomes a manager, or every manager with it a
// Premium user again (the type that keeps what a manager had: the recovery
// record). Staff accounts are never changed this way. The answer is only how
// many accounts changed, never who they are; each change is one line of the
// role audit (account id, admin id, action, time), written in the same
// transaction, and the changed accounts' sessions end so the new role applies
// from their next login.

// Message IDs of the role changes.
const (
	MsgAdminOnly = "accounts.admin_only" // forbidden: the session is not an administrator's
)

// RoleAction is what an administrator did to a role.
type RoleAction string

// The role audit's actions.
const (
	ManagerGranted RoleAction = "manager_granted"
	ManagerRevoked RoleAction = "manager_revoked"
)

// RoleAuditEntry is one line of the role audit.
type RoleAuditEntry struct {
	At        time.Time
	AccountID int64 // 0 when the account was deleted since
	AdminID   int64
	Action    RoleAction
}

// admin checks that s is a live administrator's session.
func (a *Accounts) admin(ctx context.Context, s *Session) (*accountRow, error) {
	row, err := loadAccount(ctx, a.db.Read, sqlAccountByID, s.AccountID)
	if err != nil {
		return nil, errs.Wrap(err, "accounts: load admin")
	}
	if row == nil || row.state != Active {
		return nil, errSessionExpired()
	}
	if row.role != Admin {
		return nil, errs.E(errs.Forbidden, MsgAdminOnly)
	}
	return row, nil
}

// SetManager grants (grant) or revokes the Manager role of the user accounts
// registered with email, for the administrator signed in with s, and returns
// how many accounts changed.
func (a *Accounts) SetManager(ctx context.Context, s *Session, email string, grant bool) (int, error) {
	_, emailKey, err := a.cleanEmail(email)
	if err != nil {
		return 0, err
	}
	adm, err := a.admin(ctx, s)
	if err != nil {
		return 0, err
	}
	action := ManagerGranted
	if !grant {
		action = ManagerRevoked
	}
	var changed []int64
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, sqlAccountsByEmail, emailKey)
		if err != nil {
			return err
		}
		type cand struct {
			id    int64
			role  Role
			state State
		}
		var list []cand
		for rows.Next() {
			var c cand
			if err := rows.Scan(&c.id, &c.role, &c.state); err != nil {
				rows.Close()
				return err
			}
			list = append(list, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := a.unix()
		for _, c := range list {
			if c.state != Active && c.state != Suspended {
				continue
			}
			from, to := c.role, Manager
			switch {
			case grant && (c.role == Basic || c.role == Premium):
			case !grant && c.role == Manager:
				to = Premium
			default:
				continue
			}
			res, err := tx.ExecContext(ctx, sqlSetRoleFrom, c.id, string(from), string(to), now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue
			}
			if _, err := tx.ExecContext(ctx, sqlEndAll, c.id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlInsertRoleAudit, c.id, adm.id, string(action), now); err != nil {
				return err
			}
			changed = append(changed, c.id)
		}
		return nil
	})
	if err != nil {
		return 0, errs.Pass(err, "accounts: set manager")
	}
	for _, id := range changed {
		a.log.Info("accounts: role changed", "account", id, "by_admin", adm.id, "action", string(action))
	}
	return len(changed), nil
}

// RoleAudit returns the newest n lines of the role audit, for administrators.
func (a *Accounts) RoleAudit(ctx context.Context, s *Session, n int) ([]RoleAuditEntry, error) {
	if _, err := a.admin(ctx, s); err != nil {
		return nil, err
	}
	rows, err := a.db.Read.QueryContext(ctx, sqlRoleAudit, max(n, 1))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: read role audit")
	}
	defer rows.Close()
	var out []RoleAuditEntry
	for rows.Next() {
		var e RoleAuditEntry
		var at int64
		if err := rows.Scan(&e.AccountID, &e.AdminID, &e.Action, &at); err != nil {
			return nil, errs.Wrap(err, "accounts: read role audit")
		}
		e.At = time.Unix(at, 0)
		out = append(out, e)
	}
	return out, errs.Wrap(rows.Err(), "accounts: read role audit")
}
