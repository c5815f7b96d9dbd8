package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/store/storetest"
)

// signInAs signs in an account of any role with 1-Click: customers through
// registration, the others through the CLI's path.
func signInAs(t *testing.T, a *testApp, role accounts.Role, name, email string) *deskAgent {
	t.Helper()
	if role.Staff() || role == accounts.Editor || role == accounts.Manager {
		return signInStaff(t, a, role, name, email, true)
	}
	j := &journey{a: a}
	code := j.register(t, name, email)
	w := j.activate(t, code, "cobalt lantern hums", true)
	wantStatus(t, w, http.StatusSeeOther)
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return &deskAgent{a: a, cookie: c.Name + "=" + c.Value}
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// Only administrators reach the staff page and the audit log, and only they
// change staff; every other role is refused every page and change.
func TestDeskStaff_OnlyAdministratorsManageStaffAndReadTheLog(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	target := signInStaff(t, a, accounts.Agent, "Tia Target", "tia@example.com", true).session(t).AccountID
	id := strconv.FormatInt(target, 10)
	for _, role := range []accounts.Role{accounts.Basic, accounts.Manager, accounts.Agent, accounts.Editor, accounts.Admin} {
		who := signInAs(t, a, role, "Someone "+string(role), string(role)+"@example.com")
		for _, page := range []string{"/en/desk/staff", "/en/desk/audit", "/en/desk/audit/export"} {
			w := who.open(t, page, nil)
			if role == accounts.Admin {
				wantStatus(t, w, http.StatusOK)
			} else {
				wantStatus(t, w, http.StatusForbidden)
			}
		}
		for _, change := range []struct {
			path string
			form url.Values
		}{
			{"/en/desk/staff/role", url.Values{"id": {id}, "role": {"editor"}}},
			{"/en/desk/staff/state", url.Values{"id": {id}, "action": {"disable"}}},
			{"/en/desk/staff/policy", url.Values{"require": {"on"}}},
			{"/en/desk/staff/invite", url.Values{"name": {"Ivy"}, "email": {"ivy@example.com"}, "lang": {"en"}, "role": {"admin"}}},
			{"/en/desk/audit/retention", url.Values{"days": {"1"}}},
		} {
			if role == accounts.Admin {
				continue
			}
			wantStatus(t, who.send(t, change.path, change.form), http.StatusForbidden)
		}
	}
	list, err := a.accounts.AsOperator().List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.ID == target && (s.Role != accounts.Agent || s.State != accounts.Active) {
			t.Errorf("a refused change changed the target: %+v", s)
		}
		if s.Role == accounts.Admin && s.State == accounts.Pending {
			t.Error("a refused invitation created an account")
		}
	}
	if on, _ := a.accounts.StaffPolicy(context.Background()); on {
		t.Error("a refused policy change took effect")
	}
}

// An admin without 1-Click invites an agent: the page says the invitation
// went and shows no usercode; the usercode is in the invitee's .eml only (not
// the database, not the logs); the invitee signs in with it and reaches the
// desk. The admin changes the agent's role, disables them (their session
// ends at once), and cannot disable themselves, the last admin.
func TestDeskStaff_InviteRoleAndDisable(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "ada@example.com", false)
	// The invitee is this run's own: on PostgreSQL the byte scan reads the
	// cluster's WAL, which every test running at the same time writes.
	name, address := storetest.Secret(t, "Ivan Invitee "), strings.ToLower(storetest.Secret(t, "ivan."))+"@example.org"
	w := admin.send(t, "/en/desk/staff/invite", url.Values{"name": {name}, "email": {address}, "lang": {"en"}, "role": {"agent"}})
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find("#desk-notice"), "Invitation sent")
	wantCount(t, d, `#staff tbody tr[data-state="pending"][data-role="agent"]`, 1)
	usercode := a.usercodeFromMail(t)
	if strings.Contains(w.Body.String(), usercode) || strings.Contains(w.Body.String(), address) {
		t.Error("the admin's page shows the usercode or the whole address")
	}
	if found := storetest.FindSecrets(t, a.db, a.logs.Bytes(), map[string]string{"usercode": usercode,
		"usercode (plain)": strings.ReplaceAll(usercode, "-", ""), "name": name, "address": address}); len(found) > 0 {
		t.Errorf("the invitation left: %v", found)
	}
	// A refused invitation keeps what was typed and says why.
	w = admin.send(t, "/en/desk/staff/invite", url.Values{"name": {"Nina"}, "email": {"not an address"}, "lang": {"en"}, "role": {"agent"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantCount(t, d, "#form-error", 1)
	wantCount(t, d, `#invite-name[value="Nina"]`, 1)
	// An invitation to the wrong address is withdrawn.
	wantStatus(t, admin.send(t, "/en/desk/staff/invite", url.Values{"name": {"Wes Wrong"}, "email": {"wes@example.org"}, "lang": {"en"}, "role": {"editor"}}), http.StatusOK)
	d = doc(t, admin.send(t, "/en/desk/staff", nil))
	wrong := wantCount(t, d, `#staff tbody tr[data-state="pending"][data-role="editor"]`, 1)
	wrongID := strings.TrimPrefix(wrong.AttrOr("id", ""), "staff-")
	wantCount(t, d, `#staff-`+wrongID+` button[value="withdraw"]`, 1)
	w = admin.send(t, "/en/desk/staff/state", url.Values{"id": {wrongID}, "action": {"withdraw"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#desk-notice"), "withdrawn")
	if doc(t, w).Find(`#staff-`+wrongID).Length() != 0 {
		t.Error("the withdrawn invitation is still listed")
	}

	j := &journey{a: a}
	w = j.activate(t, usercode, "cobalt lantern hums", true)
	wantStatus(t, w, http.StatusSeeOther)
	var agent *deskAgent
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			agent = &deskAgent{a: a, cookie: c.Name + "=" + c.Value}
		}
	}
	if agent == nil {
		t.Fatal("the invitee was not signed in")
	}
	wantStatus(t, agent.open(t, "/en/desk", nil), http.StatusOK)
	agentID := strconv.FormatInt(agent.session(t).AccountID, 10)

	d = doc(t, admin.send(t, "/en/desk/staff", nil))
	row := wantCount(t, d, "#staff-"+agentID, 1)
	if row.AttrOr("data-state", "") != "active" || strings.Contains(row.Text(), "Never") {
		t.Errorf("the agent's line after their sign-in: %q", row.Text())
	}

	w = admin.send(t, "/en/desk/staff/state", url.Values{"id": {agentID}, "action": {"disable"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#desk-notice"), "disabled")
	wantStatus(t, agent.open(t, "/en/desk", nil), http.StatusForbidden)
	wantStatus(t, admin.send(t, "/en/desk/staff/state", url.Values{"id": {agentID}, "action": {"enable"}}), http.StatusOK)
	w = admin.send(t, "/en/desk/staff/role", url.Values{"id": {agentID}, "role": {"editor"}})
	wantStatus(t, w, http.StatusOK)
	wantCount(t, doc(t, w), `#staff-`+agentID+`[data-role="editor"]`, 1)

	// The last admin: refused with the reason, in the page's language.
	me := strconv.FormatInt(admin.session(t).AccountID, 10)
	for _, change := range []url.Values{{"id": {me}, "action": {"disable"}}, {"id": {me}, "role": {"agent"}}} {
		path := "/fr/desk/staff/state"
		if change.Has("role") {
			path = "/fr/desk/staff/role"
		}
		w = admin.send(t, path, change)
		wantStatus(t, w, http.StatusConflict)
		wantText(t, doc(t, w).Find("#form-error"), "administrateur")
	}
	wantStatus(t, admin.send(t, "/en/desk/staff", nil), http.StatusOK)
	wantStatus(t, admin.send(t, "/en/desk/staff/role", url.Values{"id": {"abc"}, "role": {"agent"}}), http.StatusBadRequest)
}

// The policy: once an admin requires a second factor, an agent without one
// is sent to set it up before any desk or editor page; the admin too.
func TestDeskStaff_SecondFactorPolicyGatesDeskAndEditor(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "ada@example.com", true)
	agent := signInStaff(t, a, accounts.Agent, "Abe Agent", "abe@example.com", true)
	wantStatus(t, agent.open(t, "/en/desk", nil), http.StatusOK)
	w := admin.send(t, "/en/desk/staff/policy", url.Values{"require": {"on"}})
	wantStatus(t, w, http.StatusOK)
	wantCount(t, doc(t, w), "#policy-totp[checked]", 1)
	for _, who := range []*deskAgent{agent, admin} {
		for _, page := range []string{"/en/desk", "/en/editor/drafts"} {
			w = who.open(t, page, nil)
			wantStatus(t, w, http.StatusForbidden)
			d := doc(t, w)
			wantCount(t, d, "#totp-required", 1)
			wantCount(t, d, `a[href="/en/account"]`, 1)
		}
	}
	// My account, where the second factor is set up, stays open.
	wantStatus(t, agent.open(t, "/en/account", nil), http.StatusOK)
}
