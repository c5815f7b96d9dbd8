package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// Account managers add users to their account, suspend, reactivate and close
// them, change their type, and see their status and last sign-in: never their
// data, their messages or their credentials. Tables:
// data/migrations/0007_members.sql.
//
//   - A member is an ordinary account (Register's path: insertPending and the
//     welcome mail with the usercode), plus a row in account_members that ties
//     it to its manager.
//   - The manager's label for a member (the name typed when adding) is sealed
//     under the manager's data key: only the manager's signed-in session opens
//     it. After a Reset Account of the manager (a new data key) the labels can
//     no longer be opened; the list then says so instead of a name.
//   - The member's e-mail address is sealed under the desk key like every
//     account's; the manager sees it masked (a…@example.org), enough to tell
//     members apart, not to harvest addresses.
//   - Closing deletes the member's account and everything it holds (as Delete
//     does): the usercode stops working for good. The manager's row stays, with
//     the time it was closed, for the list and the audit log.
//   - A manager acts only on the members of their own account: another
//     manager's member is "not found", exactly like a missing one.

// Message IDs of the errors of the managers' area (locales/manage.*.toml).
const (
	MsgManagersOnly       = "manage.error.managers_only"     // forbidden: the session is not a manager's
	MsgMemberNotFound     = "manage.error.not_found"         // not_found: no such member of this manager
	MsgMemberState        = "manage.error.state"             // conflict: the action does not fit the member's status
	MsgMemberTypeSame     = "manage.error.type_unchanged"    // invalid: the member already has this type
	MsgTooManyMembers     = "manage.error.too_many_added"    // rate_limited: MembersPerHour reached
	MsgMemberMailLimited  = "manage.error.mail_limited"      // rate_limited: the address got too many account mails today
	MsgMemberCloseConfirm = "manage.error.close_unconfirmed" // invalid: closing was not confirmed (handlers)
)

// MemberStatus is where a member is: an account's State, or Closed once the
// account is gone.
type MemberStatus string

// The statuses a manager sees.
const (
	MemberPending   MemberStatus = "pending"
	MemberActive    MemberStatus = "active"
	MemberSuspended MemberStatus = "suspended"
	MemberClosed    MemberStatus = "closed"
)

// Member is one line of the manager's list.
type Member struct {
	ID int64 // the membership's id: what the manager's forms name
	// Name is the manager's label; "" when it cannot be opened (the
	// manager's data key was replaced by a Reset Account).
	Name        string
	MaskedEmail string // "" once closed
	Type        Role   // Basic or Premium; "" once closed
	Status      MemberStatus
	AddedAt     time.Time
	LastSignIn  time.Time // zero: never signed in
	ClosedAt    time.Time // zero: not closed
}

// NewMember is what a manager fills in to add a user.
type NewMember struct {
	Name  string
	Email string
	Lang  string // the language of the welcome mail and of the account
	Type  Role   // Basic or Premium
}

// memberRow is one membership with its account's columns (NULL once closed).
type memberRow struct {
	id          int64
	accountID   sql.NullInt64
	labelSealed []byte
	addedAt     int64
	lastLogin   sql.NullInt64
	closedAt    sql.NullInt64
	role        sql.NullString
	state       sql.NullString
	emailSealed []byte
	lookup      []byte
}

type scanner interface{ Scan(dest ...any) error }

func scanMember(s scanner) (*memberRow, error) {
	var m memberRow
	err := s.Scan(&m.id, &m.accountID, &m.labelSealed, &m.addedAt, &m.lastLogin, &m.closedAt,
		&m.role, &m.state, &m.emailSealed, &m.lookup)
	return &m, err
}

func (m *memberRow) status() MemberStatus {
	if !m.accountID.Valid || !m.state.Valid {
		return MemberClosed
	}
	return MemberStatus(m.state.String)
}

// manager loads the signed-in manager and its data key; any other role is
// refused.
func (a *Accounts) manager(ctx context.Context, s *Session) (*accountRow, []byte, error) {
	row, dk, err := a.sessionAccount(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	if row.role != Manager {
		return nil, nil, errs.E(errs.Forbidden, MsgManagersOnly)
	}
	return row, dk, nil
}

// AddMember creates a pending account for a user of the manager's account
// and e-mails its usercode (the registration mail). Each manager may add
// Limits.MembersPerHour users an hour; an address that already got
// Limits.RegistrationsPerMail account mails today gets no more.
func (a *Accounts) AddMember(ctx context.Context, s *Session, m NewMember) (int64, error) {
	if m.Type != Basic && m.Type != Premium {
		return 0, errs.E(errs.Invalid, MsgTypeInvalid)
	}
	name, email, emailKey, err := a.cleanPerson(m.Name, m.Email)
	if err != nil {
		return 0, err
	}
	if err := a.checkLang(m.Lang); err != nil {
		return 0, err
	}
	mgr, dk, err := a.manager(ctx, s)
	if err != nil {
		return 0, err
	}
	var managerLimited, mailLimited bool
	var memberID, accountID int64
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		now := a.now()
		ok, err := a.hit(ctx, tx, scopeMemberAdd, mgr.lookup, now)
		if err != nil || !ok {
			managerLimited = !ok
			return err
		}
		if ok, err = a.hit(ctx, tx, scopeRegEmail, emailKey, now); err != nil || !ok {
			mailLimited = !ok
			return err
		}
		var u Usercode
		u, accountID, err = a.insertPending(ctx, tx, m.Type, m.Lang, name, email, emailKey)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, sqlInsertMember, mgr.id, accountID, now.Unix(), noBlob).Scan(&memberID); err != nil {
			return err
		}
		label, err := crypt.Seal(dk, []byte(name), ad("member-label", memberID))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlSealMemberLabel, memberID, label); err != nil {
			return err
		}
		if err := a.audit(ctx, tx, mgr.id, memberID, s.AccountID, AuditAdded, dk, AuditDetail{Name: name, To: m.Type}); err != nil {
			return err
		}
		days := strconv.Itoa(int(a.lim.PendingLifetime / (24 * time.Hour)))
		msg := a.message(email, m.Lang, MailWelcomeSubject, MailWelcomeBody,
			map[string]string{"Usercode": u.Display(), "Days": days})
		return a.outbox.Enqueue(ctx, tx, msg)
	})
	switch {
	case err != nil:
		return 0, errs.Pass(err, "accounts: add member")
	case managerLimited:
		return 0, errs.E(errs.RateLimited, MsgTooManyMembers)
	case mailLimited:
		return 0, errs.E(errs.RateLimited, MsgMemberMailLimited)
	}
	a.outbox.Wake()
	a.log.Info("accounts: member added", "manager", mgr.id, "account", accountID, "role", m.Type)
	return memberID, nil
}

// Members lists the manager's members, the most recently added first.
func (a *Accounts) Members(ctx context.Context, s *Session) ([]Member, error) {
	mgr, dk, err := a.manager(ctx, s)
	if err != nil {
		return nil, err
	}
	rows, err := a.db.Read.QueryContext(ctx, sqlMembers, mgr.id)
	if err != nil {
		return nil, errs.Wrap(err, "accounts: list members")
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		r, err := scanMember(rows)
		if err != nil {
			return nil, errs.Wrap(err, "accounts: list members")
		}
		m, err := a.member(r, dk)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, errs.Wrap(rows.Err(), "accounts: list members")
}

// Member returns one of the manager's members.
func (a *Accounts) Member(ctx context.Context, s *Session, id int64) (*Member, error) {
	mgr, dk, err := a.manager(ctx, s)
	if err != nil {
		return nil, err
	}
	r, err := loadMember(ctx, a.db.Read, id, mgr.id)
	if err != nil {
		return nil, err
	}
	m, err := a.member(r, dk)
	return &m, err
}

func loadMember(ctx context.Context, q queryer, id, managerID int64) (*memberRow, error) {
	r, err := scanMember(q.QueryRowContext(ctx, sqlMember, id, managerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, MsgMemberNotFound)
	}
	if err != nil {
		return nil, errs.Wrap(err, "accounts: load member")
	}
	return r, nil
}

// member opens what the manager may see of r.
func (a *Accounts) member(r *memberRow, dk []byte) (Member, error) {
	m := Member{ID: r.id, Status: r.status(), AddedAt: time.Unix(r.addedAt, 0)}
	if label, err := crypt.Open(dk, r.labelSealed, ad("member-label", r.id)); err == nil {
		m.Name = string(label)
	}
	if r.lastLogin.Valid {
		m.LastSignIn = time.Unix(r.lastLogin.Int64, 0)
	}
	if r.closedAt.Valid {
		m.ClosedAt = time.Unix(r.closedAt.Int64, 0)
	}
	if m.Status == MemberClosed {
		return m, nil
	}
	m.Type = Role(r.role.String)
	email, err := crypt.Open(a.keys.email, r.emailSealed, ad("email", r.accountID.Int64))
	if err != nil {
		return m, errs.Wrap(err, "accounts: open member e-mail")
	}
	m.MaskedEmail = MaskEmail(string(email))
	return m, nil
}

// MaskEmail shows the first character of an address's local part and its
// domain: "ada@example.org" → "a…@example.org".
func MaskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return "…"
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "…@" + domain
}

// memberChange runs one change on a member of the signed-in manager in one
// transaction with its audit entry. change gets the member (nil is never
// passed: a missing or foreign member is not_found) and returns the action
// and its detail.
func (a *Accounts) memberChange(ctx context.Context, s *Session, id int64, what string,
	change func(tx *sql.Tx, r *memberRow, d *AuditDetail) (AuditAction, error)) error {
	mgr, dk, err := a.manager(ctx, s)
	if err != nil {
		return err
	}
	var action AuditAction
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		r, err := loadMember(ctx, tx, id, mgr.id)
		if err != nil {
			return err
		}
		d := AuditDetail{}
		if label, err := crypt.Open(dk, r.labelSealed, ad("member-label", r.id)); err == nil {
			d.Name = string(label)
		}
		if action, err = change(tx, r, &d); err != nil {
			return err
		}
		return a.audit(ctx, tx, mgr.id, r.id, s.AccountID, action, dk, d)
	})
	if c := errs.CodeOf(err); c != errs.Internal {
		return err
	}
	if err != nil {
		return errs.Wrap(err, what)
	}
	a.log.Info("accounts: member changed", "manager", mgr.id, "member", id, "action", action)
	return nil
}

// setMemberState moves a member's account from one state to another.
func (a *Accounts) setMemberState(ctx context.Context, s *Session, id int64, from, to State, action AuditAction) error {
	return a.memberChange(ctx, s, id, "accounts: "+string(action)+" member", func(tx *sql.Tx, r *memberRow, _ *AuditDetail) (AuditAction, error) {
		if r.status() != MemberStatus(from) {
			return "", errs.E(errs.Conflict, MsgMemberState)
		}
		res, err := tx.ExecContext(ctx, sqlMemberState, r.accountID.Int64, string(to), a.unix(), string(from))
		if err != nil {
			return "", err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return "", errs.E(errs.Conflict, MsgMemberState)
		}
		if to == Suspended {
			if _, err := tx.ExecContext(ctx, sqlEndAll, r.accountID.Int64); err != nil {
				return "", err
			}
		}
		return action, nil
	})
}

// SuspendMember suspends an active member: every session of theirs ends and
// their right password gets MsgSuspended until they are reactivated.
func (a *Accounts) SuspendMember(ctx context.Context, s *Session, id int64) error {
	return a.setMemberState(ctx, s, id, Active, Suspended, AuditSuspended)
}

// ReactivateMember lets a suspended member sign in again.
func (a *Accounts) ReactivateMember(ctx context.Context, s *Session, id int64) error {
	return a.setMemberState(ctx, s, id, Suspended, Active, AuditReactivated)
}

// CloseMember ends a member's access for good: their account is deleted with
// everything it holds (sessions, codes, counters), as Delete does, so their
// usercode logs into nothing any more. A pending member's unused usercode dies
// the same way, and what each eraser keeps for it (its tickets), with the
// bytes zeroed as Delete does. The membership stays, marked closed, for the
// list and the audit log.
func (a *Accounts) CloseMember(ctx context.Context, s *Session, id int64, erasers ...DataEraser) error {
	err := a.memberChange(ctx, s, id, "accounts: close member", func(tx *sql.Tx, r *memberRow, _ *AuditDetail) (AuditAction, error) {
		if r.status() == MemberClosed {
			return "", errs.E(errs.Conflict, MsgMemberState)
		}
		err := a.db.SecureDelete(ctx, tx, func() error {
			for _, e := range erasers {
				if err := e.EraseAccountData(ctx, tx, r.accountID.Int64); err != nil {
					return err
				}
			}
			// scs's rows first: the index lines follow them, the account's
			// deletion would leave them behind.
			if _, err := tx.ExecContext(ctx, sqlEndAll, r.accountID.Int64); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlDelete, r.accountID.Int64); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlClearLimit, string(scopeUsercode), r.lookup); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, sqlCloseMember, r.id, a.unix())
			return err
		})
		if err != nil {
			return "", err
		}
		return AuditClosed, nil
	})
	if err == nil {
		_ = a.db.Checkpoint(ctx) // best effort, as in Delete
	}
	return err
}

// SetMemberType changes a member between Basic and Premium. The role is read
// with the session on every request, so it applies at once; the member's
// sessions go on.
func (a *Accounts) SetMemberType(ctx context.Context, s *Session, id int64, typ Role) error {
	if typ != Basic && typ != Premium {
		return errs.E(errs.Invalid, MsgTypeInvalid)
	}
	return a.memberChange(ctx, s, id, "accounts: change member type", func(tx *sql.Tx, r *memberRow, d *AuditDetail) (AuditAction, error) {
		if r.status() == MemberClosed {
			return "", errs.E(errs.Conflict, MsgMemberState)
		}
		from := Role(r.role.String)
		if from == typ {
			return "", errs.E(errs.Invalid, MsgMemberTypeSame)
		}
		if from != Basic && from != Premium {
			return "", errs.E(errs.Conflict, MsgMemberState) // granted another role meanwhile
		}
		res, err := tx.ExecContext(ctx, sqlMemberRole, r.accountID.Int64, string(typ), a.unix(), string(from))
		if err != nil {
			return "", err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return "", errs.E(errs.Conflict, MsgMemberState)
		}
		d.From, d.To = from, typ
		return AuditTypeChanged, nil
	})
}

// recordSignIn notes the sign-in of a member for their manager's list (a
// no-op for an account nobody manages), and of staff for the staff page. It runs in the transaction that
// creates a signed-in session.
func (a *Accounts) recordSignIn(ctx context.Context, tx *sql.Tx, accountID int64, at time.Time) error {
	if _, err := tx.ExecContext(ctx, sqlMemberSignIn, accountID, at.Unix()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, sqlStaffSignIn, accountID, at.Unix()) // staff only (staff.go)
	return err
}
