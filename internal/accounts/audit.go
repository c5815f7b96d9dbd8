package accounts

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// The managers' audit log: every change a manager makes to a member, with its
// time and actor, in the same transaction as the change. What names people
// (the member's label, the types) is sealed under the manager's data key; the
// action and the time are plain, so the log can be counted and ordered.

// AuditAction is what was done to a member.
type AuditAction string

// The actions the log records.
const (
	AuditAdded       AuditAction = "added"
	AuditSuspended   AuditAction = "suspended"
	AuditReactivated AuditAction = "reactivated"
	AuditClosed      AuditAction = "closed"
	AuditTypeChanged AuditAction = "type_changed"
)

// AuditDetail is the sealed part of an entry.
type AuditDetail struct {
	Name string `json:"name,omitempty"` // the manager's label for the member at the time
	From Role   `json:"from,omitempty"` // type changes: the type before
	To   Role   `json:"to,omitempty"`   // added and type changes: the type after
}

// AuditEntry is one line of the log as the manager reads it.
type AuditEntry struct {
	ID       int64
	At       time.Time
	MemberID int64
	Action   AuditAction
	// ByYou: the manager reading the log did it (always, today: only the
	// manager acts on their members; an administrator acting would not be).
	ByYou bool
	AuditDetail
	// Sealed: the detail could not be opened (the manager's data key was
	// replaced by a Reset Account since).
	Sealed bool
}

// AuditPageSize is how many entries one page of the log shows.
const AuditPageSize = 20

// audit records one action in tx.
func (a *Accounts) audit(ctx context.Context, tx *sql.Tx, managerID, memberID, actorID int64, action AuditAction, dk []byte, d AuditDetail) error {
	var id int64
	if err := tx.QueryRowContext(ctx, sqlInsertAudit, managerID, memberID, actorID, string(action), a.unix(), noBlob).Scan(&id); err != nil {
		return err
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	sealed, err := crypt.Seal(dk, raw, ad("member-audit", id))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, sqlSealAudit, id, sealed)
	return err
}

// Audit returns page (0 = newest) of the signed-in manager's log, newest
// first, and whether older entries follow.
func (a *Accounts) Audit(ctx context.Context, s *Session, page int) ([]AuditEntry, bool, error) {
	mgr, dk, err := a.manager(ctx, s)
	if err != nil {
		return nil, false, err
	}
	page = max(page, 0)
	rows, err := a.db.Read.QueryContext(ctx, sqlAuditPage, mgr.id, AuditPageSize+1, page*AuditPageSize)
	if err != nil {
		return nil, false, errs.Wrap(err, "accounts: read audit log")
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var actor, at int64
		var sealed []byte
		if err := rows.Scan(&e.ID, &e.MemberID, &actor, &e.Action, &sealed, &at); err != nil {
			return nil, false, errs.Wrap(err, "accounts: read audit log")
		}
		e.At, e.ByYou = time.Unix(at, 0), actor == mgr.id
		if raw, err := crypt.Open(dk, sealed, ad("member-audit", e.ID)); err != nil || json.Unmarshal(raw, &e.AuditDetail) != nil {
			e.Sealed = true
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, errs.Wrap(err, "accounts: read audit log")
	}
	more := len(out) > AuditPageSize
	if more {
		out = out[:AuditPageSize]
	}
	return out, more, nil
}
