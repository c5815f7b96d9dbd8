package accounts

import (
	"context"
	"strings"
	"testing"

	"zerodesk/internal/audit"
	"zerodesk/internal/errs"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
)

// withAudit gives the env an audit log, and returns it.
func withAudit(t *testing.T, e *env) *audit.Log {
	t.Helper()
	l, err := audit.New(context.Background(), e.db, audit.Options{Now: e.clk.Now})
	mustOK(t, err)
	t.Cleanup(l.Close)
	e.start(testsupport.SecretA, func(o *Options) { o.Audit = l })
	return l
}

// signedIn creates an account of role (through the path that role takes)
// and signs it in.
func (e *env) signedIn(role Role, name, email string) *Session {
	e.t.Helper()
	ctx := context.Background()
	switch role {
	case Basic:
		_, l := e.active(name, email)
		return e.session(l.Token)
	case Premium:
		mustOK(e.t, e.acc.Register(ctx, Registration{Name: name, Email: email, Lang: "en", Type: Premium, Addr: "p " + email}))
		_, err := e.outbox.Deliver(ctx)
		mustOK(e.t, err)
		u, err := NormalizeUsercode(usercodeInMail.FindString(e.box.Last(e.t).TextBody))
		mustOK(e.t, err)
		return e.activate(u)
	}
	u, err := e.acc.CreateStaff(ctx, role, name, email)
	mustOK(e.t, err)
	return e.activate(u)
}

func (e *env) activate(u Usercode) *Session {
	e.t.Helper()
	l, err := e.acc.Activate(context.Background(), FirstLogin{Credentials: Credentials{Usercode: string(u), Password: goodPassword}, Phrase: goodPhrase})
	mustOK(e.t, err)
	return e.session(l.Token)
}

// Only administrators manage staff: every other role is refused every verb.
func TestStaff_OnlyAdministratorsManageStaff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	target := e.signedIn(Agent, "Tom Target", "tom@example.com")
	for _, role := range []Role{Basic, Premium, Manager, Agent, Editor, Admin} {
		s := e.signedIn(role, "Someone "+string(role), string(role)+"@example.com")
		m := e.acc.AsAdmin(s)
		_, errList := m.List(ctx)
		_, errInvite := m.Invite(ctx, StaffInvite{Name: "New Person", Email: "new-" + string(role) + "@example.com", Lang: "en", Role: Agent})
		errRole := m.SetRole(ctx, target.AccountID, Editor)
		errState := m.SetEnabled(ctx, target.AccountID, true)
		errPolicy := m.SetPolicy(ctx, false)
		errWithdraw := m.Withdraw(ctx, target.AccountID)
		for verb, err := range map[string]error{"list": errList, "invite": errInvite, "role": errRole, "enable": errState, "policy": errPolicy} {
			if role == Admin {
				if err != nil {
					t.Errorf("admin %s: %v", verb, err)
				}
				continue
			}
			if errs.MessageIDOf(err) != MsgAdminOnly {
				t.Errorf("%s could %s: %v", role, verb, err)
			}
		}
		if want := map[bool]string{true: MsgStaffNotPending, false: MsgAdminOnly}[role == Admin]; errs.MessageIDOf(errWithdraw) != want {
			t.Errorf("%s withdrawing an active account: %v", role, errWithdraw)
		}
	}
	_, err := e.acc.AsAdmin(nil).List(ctx)
	wantErr(t, err, errs.Forbidden, MsgSessionExpired)
}

// The invitee alone gets the usercode, by mail; the administrator's answer,
// the logs and the database hold no usercode, name or address; the invitee's
// first sign-in with it makes an agent; the invitation is on the record.
func TestStaff_InviteMailsTheUsercodeToTheInviteeOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log := withAudit(t, e)
	ctx := context.Background()
	admin := e.signedIn(Admin, "Ada Admin", "ada@example.com")
	// The invitee is this run's own: on PostgreSQL the byte scan reads the
	// cluster's WAL, which every test running at the same time writes.
	name, address := storetest.Secret(t, "Ines Invitee "), strings.ToLower(storetest.Secret(t, "ines."))+"@example.org"
	id, err := e.acc.AsAdmin(admin).Invite(ctx, StaffInvite{Name: name, Email: address, Lang: "fr", Role: Agent})
	mustOK(t, err)
	_, err = e.outbox.Deliver(ctx)
	mustOK(t, err)
	m := e.box.Last(t)
	if m.To != address {
		t.Fatalf("mail to %q", m.To)
	}
	u, err := NormalizeUsercode(usercodeInMail.FindString(m.TextBody))
	mustOK(t, err)
	if found := storetest.FindSecrets(t, e.db, e.logs.Bytes(), map[string]string{
		"usercode": string(u), "usercode (shown)": u.Display(), "name": name, "address": address,
	}); len(found) > 0 {
		t.Errorf("the invitation left: %v", found)
	}
	list, err := e.acc.AsAdmin(admin).List(ctx)
	mustOK(t, err)
	var line StaffMember
	for _, s := range list {
		if s.ID == id {
			line = s
		}
	}
	if line.State != Pending || line.Role != Agent || line.MaskedEmail == "" || line.MaskedEmail == address || !line.LastSignIn.IsZero() {
		t.Errorf("the invitee's line: %+v", line)
	}
	s := e.activate(u)
	if s.Role != Agent || s.AccountID != id {
		t.Errorf("signed in as %s %d", s.Role, s.AccountID)
	}
	list, _ = e.acc.AsAdmin(admin).List(ctx)
	for _, l := range list {
		if l.ID == id && (l.State != Active || l.LastSignIn.IsZero()) {
			t.Errorf("after the first sign-in: %+v", l)
		}
	}
	p, err := log.Entries(ctx, audit.Reader{AccountID: admin.AccountID, Admin: true}, audit.Filter{Action: audit.StaffInvited})
	mustOK(t, err)
	if p.Total != 1 || p.Entries[0].Actor != admin.AccountID || p.Entries[0].Subject != id || p.Entries[0].To != "agent" {
		t.Errorf("audit: %+v", p.Entries)
	}
	_, err = e.acc.AsAdmin(admin).Invite(ctx, StaffInvite{Name: "X", Email: "x@example.org", Lang: "en", Role: Manager})
	wantErr(t, err, errs.Invalid, MsgStaffRoleInvalid)
	_, err = e.acc.AsAdmin(admin).Invite(ctx, StaffInvite{Name: "X", Email: "not an address", Lang: "en", Role: Agent})
	wantErr(t, err, errs.Invalid, MsgEmailInvalid)
}

// Disabling ends the account's sessions at once and refuses its sign-in;
// re-enabling lets it in again. Both are on the record.
func TestStaff_DisablingEndsSessionsAndSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	log := withAudit(t, e)
	ctx := context.Background()
	admin := e.signedIn(Admin, "Ada Admin", "ada@example.com")
	u, err := e.acc.CreateStaff(ctx, Agent, "Abe Agent", "abe@example.com")
	mustOK(t, err)
	agent := e.activate(u)
	second, err := e.login(u, goodPassword, "192.0.2.7")
	mustOK(t, err)
	m := e.acc.AsAdmin(admin)
	mustOK(t, m.SetEnabled(ctx, agent.AccountID, false))
	for _, tok := range []string{agent.token, second.Token} {
		if _, err := e.acc.Session(ctx, tok); err == nil {
			t.Error("a session outlived disabling")
		}
	}
	_, err = e.login(u, goodPassword, "192.0.2.7")
	wantErr(t, err, errs.Forbidden, MsgSuspended)
	mustOK(t, m.SetEnabled(ctx, agent.AccountID, false)) // again: nothing changes
	mustOK(t, m.SetEnabled(ctx, agent.AccountID, true))
	if _, err := e.login(u, goodPassword, "192.0.2.7"); err != nil {
		t.Errorf("re-enabled agent cannot sign in: %v", err)
	}
	p, err := log.Entries(ctx, audit.Reader{AccountID: admin.AccountID, Admin: true}, audit.Filter{Actor: admin.AccountID})
	mustOK(t, err)
	if p.Total != 2 || p.Entries[0].Action != audit.StaffEnabled || p.Entries[1].Action != audit.StaffDisabled {
		t.Errorf("audit: %+v", p.Entries)
	}
	// A pending invitation cannot be disabled; a customer is no staff.
	pending, err := m.Invite(ctx, StaffInvite{Name: "P", Email: "p@example.org", Lang: "en", Role: Editor})
	mustOK(t, err)
	wantErr(t, m.SetEnabled(ctx, pending, false), errs.Conflict, MsgStaffPending)
	// It is withdrawn instead: its usercode stops working; an account that
	// signed in cannot be withdrawn.
	_, err = e.outbox.Deliver(ctx)
	mustOK(t, err)
	invited, err := NormalizeUsercode(usercodeInMail.FindString(e.box.Last(t).TextBody))
	mustOK(t, err)
	wantErr(t, e.acc.AsAdmin(agent).Withdraw(ctx, pending), errs.Forbidden, MsgAdminOnly)
	mustOK(t, m.Withdraw(ctx, pending))
	_, err = e.acc.Activate(ctx, FirstLogin{Credentials: Credentials{Usercode: string(invited), Password: goodPassword}, Phrase: goodPhrase})
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	wantErr(t, m.Withdraw(ctx, pending), errs.NotFound, MsgStaffNotFound)
	wantErr(t, m.Withdraw(ctx, agent.AccountID), errs.Conflict, MsgStaffNotPending)
	user := e.signedIn(Basic, "Uma User", "uma@example.com")
	wantErr(t, m.SetEnabled(ctx, user.AccountID, false), errs.NotFound, MsgStaffNotFound)
	wantErr(t, m.SetRole(ctx, user.AccountID, Agent), errs.NotFound, MsgStaffNotFound)
}

// No change leaves zero enabled administrators: the last one cannot demote
// or disable themselves; with a second admin, they can.
func TestStaff_TheLastAdminStays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	admin := e.signedIn(Admin, "Ada Admin", "ada@example.com")
	m := e.acc.AsAdmin(admin)
	op := e.acc.AsOperator()
	for _, try := range []func(StaffAdmin) error{
		func(x StaffAdmin) error { return x.SetRole(ctx, admin.AccountID, Agent) },
		func(x StaffAdmin) error { return x.SetRole(ctx, admin.AccountID, Editor) },
		func(x StaffAdmin) error { return x.SetEnabled(ctx, admin.AccountID, false) },
	} {
		wantErr(t, try(m), errs.Conflict, MsgStaffLastAdmin)
		wantErr(t, try(op), errs.Conflict, MsgStaffLastAdmin)
	}
	// A disabled admin does not count.
	other := e.signedIn(Admin, "Otto Other", "otto@example.com")
	mustOK(t, m.SetEnabled(ctx, other.AccountID, false))
	wantErr(t, m.SetRole(ctx, admin.AccountID, Agent), errs.Conflict, MsgStaffLastAdmin)
	mustOK(t, op.SetEnabled(ctx, other.AccountID, true))
	mustOK(t, m.SetRole(ctx, admin.AccountID, Agent))
	if _, err := e.acc.Session(ctx, admin.token); err == nil {
		t.Error("the demoted admin's session outlived the change")
	}
	wantErr(t, op.SetEnabled(ctx, other.AccountID, false), errs.Conflict, MsgStaffLastAdmin)
	var admins int
	mustOK(t, e.db.Read.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE role = 'admin' AND state = 'active'`).Scan(&admins))
	if admins != 1 {
		t.Errorf("%d enabled admins", admins)
	}
}

// The policy: staff without a second factor are sent to set one up; staff
// with one, customers, and everyone while the policy is off, are not.
func TestStaff_SecondFactorPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	admin := e.signedIn(Admin, "Ada Admin", "ada@example.com")
	agent := e.signedIn(Agent, "Abe Agent", "abe@example.com")
	user := e.signedIn(Basic, "Uma User", "uma@example.com")
	need := func(s *Session) bool {
		n, err := e.acc.NeedsSecondFactor(ctx, s)
		mustOK(t, err)
		return n
	}
	if need(agent) || need(admin) {
		t.Error("sent to set up a second factor with the policy off")
	}
	mustOK(t, e.acc.AsAdmin(admin).SetPolicy(ctx, true))
	if on, _ := e.acc.StaffPolicy(ctx); !on {
		t.Error("policy not on")
	}
	if !need(agent) || !need(admin) || need(user) {
		t.Errorf("policy on: agent %v admin %v user %v", need(agent), need(admin), need(user))
	}
	_, err := e.db.Write.ExecContext(ctx, `UPDATE accounts SET totp_sealed = $2 WHERE id = $1`, agent.AccountID, []byte{1})
	mustOK(t, err)
	if need(agent) {
		t.Error("an agent with a second factor is sent to set one up")
	}
}
