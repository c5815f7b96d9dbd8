package accounts

import (
	"context"
	"testing"
)

func TestSetManager_GrantsAndRevokesByAddressAndAuditsIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	adminCode, err := e.acc.CreateStaff(ctx, Admin, "Ada Admin", "admin@example.com")
	mustOK(t, err)
	al, err := e.acc.Activate(ctx, FirstLogin{Credentials: Credentials{Usercode: string(adminCode), Password: goodPassword}, Phrase: goodPhrase})
	mustOK(t, err)
	admin := e.session(al.Token)
	u, ul := e.active("Uma User", "uma@example.com")
	agentCode, err := e.acc.CreateStaff(ctx, Agent, "Abe Agent", "uma@example.com") // staff sharing the address
	mustOK(t, err)
	_ = agentCode

	// Only an administrator may.
	_, err = e.acc.SetManager(ctx, e.session(ul.Token), "uma@example.com", true)
	wantErr(t, err, "forbidden", MsgAdminOnly)
	_, err = e.acc.SetManager(ctx, admin, "not an address", true)
	wantErr(t, err, "invalid", MsgEmailInvalid)

	n, err := e.acc.SetManager(ctx, admin, "UMA@example.com", true)
	if err != nil || n != 1 {
		t.Fatalf("grant = %d, %v; want the one user account (not the pending agent)", n, err)
	}
	// The user's sessions ended; the next login has the role.
	if _, err := e.acc.Session(ctx, ul.Token); err == nil {
		t.Error("the user's session outlived the role change")
	}
	l, err := e.login(u, goodPassword, "192.0.2.9")
	mustOK(t, err)
	if l.Role != Manager {
		t.Errorf("role = %s", l.Role)
	}
	// Granting again changes nothing; an unknown address neither, alike.
	if n, err := e.acc.SetManager(ctx, admin, "uma@example.com", true); err != nil || n != 0 {
		t.Errorf("grant again = %d, %v", n, err)
	}
	if n, err := e.acc.SetManager(ctx, admin, "nobody@example.com", true); err != nil || n != 0 {
		t.Errorf("unknown address = %d, %v", n, err)
	}
	n, err = e.acc.SetManager(ctx, admin, "uma@example.com", false)
	if err != nil || n != 1 {
		t.Fatalf("revoke = %d, %v", n, err)
	}
	l, err = e.login(u, goodPassword, "192.0.2.9")
	mustOK(t, err)
	if l.Role != Premium {
		t.Errorf("role after revoke = %s, want premium", l.Role)
	}
	// The admin account itself is never changed this way.
	if n, _ := e.acc.SetManager(ctx, admin, "admin@example.com", true); n != 0 {
		t.Error("an admin account was made a manager")
	}
	log, err := e.acc.RoleAudit(ctx, admin, 10)
	mustOK(t, err)
	if len(log) != 2 || log[0].Action != ManagerRevoked || log[1].Action != ManagerGranted || log[0].AdminID != al.AccountID || log[0].AccountID != ul.AccountID {
		t.Errorf("audit = %+v", log)
	}
	if _, err := e.acc.RoleAudit(ctx, e.session(l.Token), 10); err == nil {
		t.Error("a user read the role audit")
	}
}

func TestCreateStaff_Manager(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, err := e.acc.CreateStaff(ctx, Manager, "Mia Manager", "mia@example.com")
	mustOK(t, err)
	l, err := e.acc.Activate(ctx, FirstLogin{Credentials: Credentials{Usercode: string(u), Password: goodPassword}, Phrase: goodPhrase})
	mustOK(t, err)
	if l.Role != Manager {
		t.Errorf("role = %s", l.Role)
	}
	_, err = e.acc.CreateStaff(ctx, Basic, "B", "b@example.com")
	wantErr(t, err, "invalid", MsgRoleInvalid)
}
