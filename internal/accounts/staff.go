package accounts

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"zerodesk/internal/audit"
	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// Staff managed in the browser (issue 14) and from the command line (zerodesk
// admin): the list of staff accounts (agents, editors, admins), invitations by
// e-mail, role changes, disabling and re-enabling, and the policy that staff
// must use a second factor. One set of functions serves both: StaffAdmin, made
// by AsAdmin (an administrator's session) or AsOperator (the command line).
//
//   - An invitation is a pending account whose usercode goes only to the
//     invitee, by mail (the outbox seals it): the administrator never sees it,
//     and nothing stores it (accounts have no stored secrets).
//   - Disabling suspends the account and ends its sessions in the same
//     transaction: its next request is signed out, and it cannot sign in.
//   - No change may leave zero enabled administrators: the last one cannot be
//     demoted or disabled, by themselves or by anyone (MsgStaffLastAdmin).
//   - Every change is a line of the audit log, in the change's transaction.

// Message IDs of the staff pages' errors (locales/staff.*.toml).
const (
	MsgStaffLastAdmin   = "staff.error.last_admin"   // conflict: the change would leave no enabled administrator
	MsgStaffNotFound    = "staff.error.not_found"    // not_found: no such staff account
	MsgStaffRoleInvalid = "staff.error.role"         // invalid: a staff role is agent, editor or admin
	MsgStaffPending     = "staff.error.pending"      // conflict: an invitation not yet accepted cannot be disabled (withdraw it)
	MsgStaffNotPending  = "staff.error.not_pending"  // conflict: only an invitation not yet accepted can be withdrawn
	MsgStaffMailLimited = "staff.error.mail_limited" // rate_limited: the address got too many account mails today
)

// Mail of an invitation.
const (
	MailStaffInviteSubject = "staff.mail.invite.subject"
	MailStaffInviteBody    = "staff.mail.invite.body"
)

// StaffRoles are the roles a staff account may have.
var StaffRoles = []Role{Agent, Editor, Admin}

func (r Role) isStaffRole() bool { return r == Agent || r == Editor || r == Admin }

// StaffMember is one line of the staff list.
type StaffMember struct {
	ID           int64
	Role         Role
	State        State // Pending: invited, not yet signed in; Suspended: disabled
	SecondFactor bool
	MaskedEmail  string
	InvitedAt    time.Time
	LastSignIn   time.Time // zero: never
}

// StaffInvite is what an administrator fills in to invite someone.
type StaffInvite struct {
	Name, Email, Lang string
	Role              Role
}

// StaffAdmin manages staff for one actor.
type StaffAdmin struct {
	a        *Accounts
	s        *Session
	operator bool
}

// AsAdmin manages staff as the administrator signed in with s; every call
// checks that s is a live administrator's session.
func (a *Accounts) AsAdmin(s *Session) StaffAdmin { return StaffAdmin{a: a, s: s} }

// AsOperator manages staff from the command line (actor 0 in the audit log).
func (a *Accounts) AsOperator() StaffAdmin { return StaffAdmin{a: a, operator: true} }

// actor is the acting account's id (0: the command line), after checking it
// may manage staff.
func (m StaffAdmin) actor(ctx context.Context) (int64, error) {
	if m.operator {
		return 0, nil
	}
	if m.s == nil {
		return 0, errSessionExpired()
	}
	row, err := m.a.admin(ctx, m.s)
	if err != nil {
		return 0, err
	}
	return row.id, nil
}

// List returns every staff account, oldest first.
func (m StaffAdmin) List(ctx context.Context) ([]StaffMember, error) {
	if _, err := m.actor(ctx); err != nil {
		return nil, err
	}
	rows, err := m.a.db.Read.QueryContext(ctx, sqlStaffList)
	if err != nil {
		return nil, errs.Wrap(err, "accounts: staff")
	}
	defer rows.Close()
	var out []StaffMember
	for rows.Next() {
		var s StaffMember
		var sealed []byte
		var totp int
		var invited, seen int64
		if err := rows.Scan(&s.ID, &s.Role, &s.State, &sealed, &totp, &seen, &invited); err != nil {
			return nil, errs.Wrap(err, "accounts: staff")
		}
		s.SecondFactor, s.InvitedAt = totp == 1, time.Unix(invited, 0)
		if seen > 0 {
			s.LastSignIn = time.Unix(seen, 0)
		}
		if email, err := crypt.Open(m.a.keys.email, sealed, ad("email", s.ID)); err == nil {
			s.MaskedEmail = MaskEmail(string(email))
		}
		out = append(out, s)
	}
	return out, errs.Wrap(rows.Err(), "accounts: staff")
}

// Invite creates a pending staff account and mails its usercode to the
// invitee, and returns the account's id. The usercode is in that mail only.
func (m StaffAdmin) Invite(ctx context.Context, inv StaffInvite) (int64, error) {
	a := m.a
	if !inv.Role.isStaffRole() {
		return 0, errs.E(errs.Invalid, MsgStaffRoleInvalid)
	}
	name, email, emailKey, err := a.cleanPerson(inv.Name, inv.Email)
	if err != nil {
		return 0, err
	}
	if err := a.checkLang(inv.Lang); err != nil {
		return 0, err
	}
	actor, err := m.actor(ctx)
	if err != nil {
		return 0, err
	}
	var id int64
	var limited bool
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		now := a.now()
		ok, err := a.hit(ctx, tx, scopeRegEmail, emailKey, now)
		if err != nil || !ok {
			limited = !ok
			return err
		}
		var u Usercode
		if u, id, err = a.insertPending(ctx, tx, inv.Role, inv.Lang, name, email, emailKey); err != nil {
			return err
		}
		days := strconv.Itoa(int(a.lim.PendingLifetime / (24 * time.Hour)))
		msg := a.message(email, inv.Lang, MailStaffInviteSubject, MailStaffInviteBody,
			map[string]string{"Usercode": u.Display(), "Days": days})
		if err := a.outbox.Enqueue(ctx, tx, msg); err != nil {
			return err
		}
		return a.opts.Audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: audit.StaffInvited, Subject: id, Field: "role", To: string(inv.Role)})
	})
	if err != nil {
		return 0, errs.Pass(err, "accounts: invite staff")
	}
	if limited {
		return 0, errs.E(errs.RateLimited, MsgStaffMailLimited)
	}
	a.outbox.Wake()
	a.log.Info("accounts: staff invited", "account", id, "role", inv.Role, "by", actor)
	return id, nil
}

// staffTarget loads a staff account's role and state in tx.
func staffTarget(ctx context.Context, tx *sql.Tx, id int64) (Role, State, error) {
	var role Role
	var state State
	err := tx.QueryRowContext(ctx, sqlStaffByID, id).Scan(&role, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", errs.E(errs.NotFound, MsgStaffNotFound)
	}
	return role, state, err
}

// keepsAnAdmin refuses a change that takes account id out of the enabled
// administrators when it is the last of them.
func keepsAnAdmin(ctx context.Context, tx *sql.Tx, id int64, role Role, state State) error {
	if role != Admin || state != Active {
		return nil
	}
	var others int
	if err := tx.QueryRowContext(ctx, sqlOtherActiveAdmins, id).Scan(&others); err != nil {
		return err
	}
	if others == 0 {
		return errs.E(errs.Conflict, MsgStaffLastAdmin)
	}
	return nil
}

// SetRole gives staff account id the role (agent, editor or admin). Its
// sessions end, so the new role applies from its next sign-in.
func (m StaffAdmin) SetRole(ctx context.Context, id int64, role Role) error {
	if !role.isStaffRole() {
		return errs.E(errs.Invalid, MsgStaffRoleInvalid)
	}
	actor, err := m.actor(ctx)
	if err != nil {
		return err
	}
	a := m.a
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		old, state, err := staffTarget(ctx, tx, id)
		if err != nil || old == role {
			return err
		}
		if err := keepsAnAdmin(ctx, tx, id, old, state); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlSetRoleFrom, id, string(old), string(role), a.unix()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlEndAll, id); err != nil {
			return err
		}
		return a.opts.Audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: audit.StaffRole, Subject: id, Field: "role", From: string(old), To: string(role)})
	})
	if err != nil {
		return errs.Pass(err, "accounts: staff role")
	}
	a.log.Info("accounts: staff role changed", "account", id, "role", role, "by", actor)
	return nil
}

// SetEnabled disables (enabled false) or re-enables staff account id. A
// disabled account's sessions end at once and it cannot sign in.
func (m StaffAdmin) SetEnabled(ctx context.Context, id int64, enabled bool) error {
	actor, err := m.actor(ctx)
	if err != nil {
		return err
	}
	a := m.a
	from, to, action := Active, Suspended, audit.StaffDisabled
	if enabled {
		from, to, action = Suspended, Active, audit.StaffEnabled
	}
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		role, state, err := staffTarget(ctx, tx, id)
		if err != nil || state == to {
			return err
		}
		if state == Pending {
			return errs.E(errs.Conflict, MsgStaffPending)
		}
		if !enabled {
			if err := keepsAnAdmin(ctx, tx, id, role, state); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, sqlMemberState, id, string(to), a.unix(), string(from)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlEndAll, id); err != nil {
			return err
		}
		return a.opts.Audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: action, Subject: id, Field: "state", From: string(from), To: string(to)})
	})
	if err != nil {
		return errs.Pass(err, "accounts: staff state")
	}
	a.log.Info("accounts: staff state changed", "account", id, "state", to, "by", actor)
	return nil
}

// Withdraw deletes a pending invitation (an account never signed in): its
// usercode stops working at once.
func (m StaffAdmin) Withdraw(ctx context.Context, id int64) error {
	actor, err := m.actor(ctx)
	if err != nil {
		return err
	}
	a := m.a
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		role, state, err := staffTarget(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != Pending {
			return errs.E(errs.Conflict, MsgStaffNotPending)
		}
		if _, err := tx.ExecContext(ctx, sqlWithdrawInvite, id); err != nil {
			return err
		}
		return a.opts.Audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: audit.StaffWithdrawn, Subject: id, Field: "role", From: string(role)})
	})
	if err != nil {
		return errs.Pass(err, "accounts: withdraw invitation")
	}
	a.log.Info("accounts: staff invitation withdrawn", "account", id, "by", actor)
	return nil
}

// StaffPolicy reports whether staff must use a second factor.
func (a *Accounts) StaffPolicy(ctx context.Context) (bool, error) {
	var on int
	err := a.db.Read.QueryRowContext(ctx, sqlStaffPolicy).Scan(&on)
	return on == 1, errs.Wrap(err, "accounts: staff policy")
}

// SetPolicy sets whether staff must use a second factor.
func (m StaffAdmin) SetPolicy(ctx context.Context, requireTOTP bool) error {
	actor, err := m.actor(ctx)
	if err != nil {
		return err
	}
	a := m.a
	on := map[bool]int{false: 0, true: 1}
	word := map[bool]string{false: "off", true: "on"}
	changed := false
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		var old int
		if err := tx.QueryRowContext(ctx, sqlStaffPolicy).Scan(&old); err != nil {
			return err
		}
		if (old == 1) == requireTOTP {
			return nil
		}
		if _, err := tx.ExecContext(ctx, sqlSetStaffPolicy, on[requireTOTP], a.unix()); err != nil {
			return err
		}
		changed = true
		return a.opts.Audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: audit.StaffPolicy, Field: "require_second_factor",
			From: word[old == 1], To: word[requireTOTP]})
	})
	if err == nil && changed {
		a.secondFactorChanged()
	}
	return errs.Pass(err, "accounts: staff policy")
}

// NeedsSecondFactor reports whether s is a staff session the policy sends to
// set up a second factor first: the policy is on and the account has none.
func (a *Accounts) NeedsSecondFactor(ctx context.Context, s *Session) (bool, error) {
	if s == nil || !s.Role.isStaffRole() {
		return false, nil
	}
	var policy, totp int
	err := a.db.Read.QueryRowContext(ctx, sqlNeedsTOTP, s.AccountID).Scan(&policy, &totp)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, errs.Wrap(err, "accounts: staff policy")
	}
	return policy == 1 && totp == 0, nil
}
