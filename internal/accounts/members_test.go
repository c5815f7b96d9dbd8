package accounts

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"zerodesk/internal/errs"
	"zerodesk/internal/store/storetest"
)

// manager makes an active account a manager and signs it in again (a role
// change ends its sessions).
func (e *env) manager(name, email string) (Usercode, *Session) {
	e.t.Helper()
	u, l := e.active(name, email)
	mustOK(e.t, e.acc.SetRole(context.Background(), l.AccountID, Manager))
	l, err := e.login(u, goodPassword, "192.0.2.10")
	mustOK(e.t, err)
	return u, e.session(l.Token)
}

// addMember adds a member as s and returns its membership id and the usercode
// from the welcome mail.
func (e *env) addMember(s *Session, name, email string, typ Role) (int64, Usercode) {
	e.t.Helper()
	ctx := context.Background()
	id, err := e.acc.AddMember(ctx, s, NewMember{Name: name, Email: email, Lang: "en", Type: typ})
	mustOK(e.t, err)
	if _, err := e.outbox.Deliver(ctx); err != nil {
		e.t.Fatal(err)
	}
	m := e.box.Last(e.t)
	if m.To != email {
		e.t.Fatalf("the welcome mail went to %q, want %q", m.To, email)
	}
	u, err := NormalizeUsercode(usercodeInMail.FindString(m.TextBody))
	if err != nil {
		e.t.Fatalf("no usercode in the welcome mail: %v\n%s", err, m.TextBody)
	}
	return id, u
}

func (e *env) activateMember(u Usercode) *Login {
	e.t.Helper()
	l, err := e.acc.Activate(context.Background(), FirstLogin{
		Credentials: Credentials{Usercode: u.Display(), Password: goodPassword, Addr: "192.0.2.20", Label: "member browser"},
		Phrase:      goodPhrase,
	})
	mustOK(e.t, err)
	return l
}

func (e *env) member(s *Session, id int64) *Member {
	e.t.Helper()
	m, err := e.acc.Member(context.Background(), s, id)
	mustOK(e.t, err)
	return m
}

func TestMembers_AddedMemberIsPendingThenActiveWithItsLastSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, mgr := e.manager("Margaret Manager", "margaret@example.org")
	id, u := e.addMember(mgr, "Bruno Member", "bruno@example.org", Premium)

	list, err := e.acc.Members(ctx, mgr)
	mustOK(t, err)
	if len(list) != 1 {
		t.Fatalf("members = %+v", list)
	}
	m := list[0]
	if m.ID != id || m.Name != "Bruno Member" || m.MaskedEmail != "b…@example.org" || m.Type != Premium ||
		m.Status != MemberPending || !m.LastSignIn.IsZero() || !m.AddedAt.Equal(e.clk.Now()) {
		t.Fatalf("new member = %+v", m)
	}
	if c, err := e.acc.Step1(ctx, u.Display()); err != nil || !c.FirstLogin {
		t.Fatalf("the member's usercode does not start a first login: %+v, %v", c, err)
	}

	e.clk.Add(time.Hour)
	activatedAt := e.clk.Now()
	l := e.activateMember(u)
	if l.Role != Premium {
		t.Errorf("member role = %s", l.Role)
	}
	m = *e.member(mgr, id)
	if m.Status != MemberActive || !m.LastSignIn.Equal(activatedAt) {
		t.Fatalf("after activation: %+v", m)
	}

	e.clk.Add(3 * time.Hour)
	if _, err := e.login(u, goodPassword, "192.0.2.20"); err != nil {
		t.Fatal(err)
	}
	if got := e.member(mgr, id).LastSignIn; !got.Equal(e.clk.Now()) {
		t.Errorf("last sign-in = %v, want %v", got, e.clk.Now())
	}
	// A wrong password is no sign-in.
	e.clk.Add(time.Hour)
	if _, err := e.login(u, "not the password at all", "192.0.2.20"); err == nil {
		t.Fatal("a wrong password signed in")
	}
	if got := e.member(mgr, id).LastSignIn; got.Equal(e.clk.Now()) {
		t.Error("a failed login counted as a sign-in")
	}
}

func TestMembers_SuspendedMemberCannotLogInUntilReactivated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, mgr := e.manager("Margaret Manager", "margaret@example.org")
	id, u := e.addMember(mgr, "Bruno Member", "bruno@example.org", Basic)

	// A pending member cannot be suspended (nothing to suspend yet), only closed.
	wantErr(t, e.acc.SuspendMember(ctx, mgr, id), errs.Conflict, MsgMemberState)
	l := e.activateMember(u)

	mustOK(t, e.acc.SuspendMember(ctx, mgr, id))
	if _, err := e.acc.Session(ctx, l.Token); err == nil {
		t.Error("the suspended member's session lives on")
	}
	_, err := e.login(u, goodPassword, "192.0.2.20")
	wantErr(t, err, errs.Forbidden, MsgSuspended)
	if st := e.member(mgr, id).Status; st != MemberSuspended {
		t.Errorf("status = %s", st)
	}
	wantErr(t, e.acc.SuspendMember(ctx, mgr, id), errs.Conflict, MsgMemberState)

	mustOK(t, e.acc.ReactivateMember(ctx, mgr, id))
	if _, err := e.login(u, goodPassword, "192.0.2.20"); err != nil {
		t.Fatalf("the reactivated member cannot log in: %v", err)
	}
	wantErr(t, e.acc.ReactivateMember(ctx, mgr, id), errs.Conflict, MsgMemberState)
}

func TestMembers_ClosingEndsAccessForGood(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, mgr := e.manager("Margaret Manager", "margaret@example.org")
	id, u := e.addMember(mgr, "Bruno Member", "bruno@example.org", Basic)
	l := e.activateMember(u)

	e.clk.Add(time.Minute)
	mustOK(t, e.acc.CloseMember(ctx, mgr, id))
	if _, err := e.acc.Session(ctx, l.Token); err == nil {
		t.Error("the closed member's session lives on")
	}
	_, err := e.login(u, goodPassword, "192.0.2.20")
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	if c, err := e.acc.Step1(ctx, u.Display()); err != nil || c.FirstLogin || !isSuggestion(e.acc, c.Phrase) {
		t.Errorf("a closed usercode shows %+v, %v; want a decoy", c, err)
	}
	m := e.member(mgr, id)
	if m.Status != MemberClosed || !m.ClosedAt.Equal(e.clk.Now()) || m.Name != "Bruno Member" || m.MaskedEmail != "" {
		t.Errorf("closed member = %+v", m)
	}
	var n int
	mustOK(t, e.db.Read.QueryRow(`SELECT count(*) FROM accounts WHERE id = $1`, l.AccountID).Scan(&n))
	if n != 0 {
		t.Error("closing left the member's account in place")
	}
	for name, act := range map[string]func() error{
		"close":      func() error { return e.acc.CloseMember(ctx, mgr, id) },
		"suspend":    func() error { return e.acc.SuspendMember(ctx, mgr, id) },
		"reactivate": func() error { return e.acc.ReactivateMember(ctx, mgr, id) },
		"type":       func() error { return e.acc.SetMemberType(ctx, mgr, id, Premium) },
	} {
		if err := act(); errs.MessageIDOf(err) != MsgMemberState {
			t.Errorf("%s on a closed member: %v", name, err)
		}
	}

	// A pending member can be closed too: the unused usercode dies.
	id2, u2 := e.addMember(mgr, "Carla Pending", "carla@example.org", Basic)
	mustOK(t, e.acc.CloseMember(ctx, mgr, id2))
	if c, _ := e.acc.Step1(ctx, u2.Display()); c.FirstLogin {
		t.Error("a closed pending member can still activate")
	}
}

func TestMembers_TypeChangesBetweenBasicAndPremium(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, mgr := e.manager("Margaret Manager", "margaret@example.org")
	id, u := e.addMember(mgr, "Bruno Member", "bruno@example.org", Basic)
	l := e.activateMember(u)

	mustOK(t, e.acc.SetMemberType(ctx, mgr, id, Premium))
	if s := e.session(l.Token); s.Role != Premium {
		t.Errorf("the member's live session has role %s", s.Role)
	}
	if m := e.member(mgr, id); m.Type != Premium {
		t.Errorf("type = %s", m.Type)
	}
	wantErr(t, e.acc.SetMemberType(ctx, mgr, id, Premium), errs.Invalid, MsgMemberTypeSame)
	wantErr(t, e.acc.SetMemberType(ctx, mgr, id, Manager), errs.Invalid, MsgTypeInvalid)
	wantErr(t, e.acc.SetMemberType(ctx, mgr, id, Admin), errs.Invalid, MsgTypeInvalid)
	mustOK(t, e.acc.SetMemberType(ctx, mgr, id, Basic))
}

func TestMembers_AManagerActsOnlyOnItsOwnMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, mgrA := e.manager("Margaret Manager", "margaret@example.org")
	_, mgrB := e.manager("Norbert Other", "norbert@example.org")
	id, u := e.addMember(mgrA, "Bruno Member", "bruno@example.org", Basic)
	e.activateMember(u)

	if list, err := e.acc.Members(ctx, mgrB); err != nil || len(list) != 0 {
		t.Fatalf("manager B sees %+v, %v", list, err)
	}
	const missing = 987654
	for name, act := range map[string]func(int64) error{
		"suspend":    func(i int64) error { return e.acc.SuspendMember(ctx, mgrB, i) },
		"reactivate": func(i int64) error { return e.acc.ReactivateMember(ctx, mgrB, i) },
		"close":      func(i int64) error { return e.acc.CloseMember(ctx, mgrB, i) },
		"type":       func(i int64) error { return e.acc.SetMemberType(ctx, mgrB, i, Premium) },
		"read": func(i int64) error {
			_, err := e.acc.Member(ctx, mgrB, i)
			return err
		},
	} {
		foreign, absent := act(id), act(missing)
		wantErr(t, foreign, errs.NotFound, MsgMemberNotFound)
		if foreign.Error() != absent.Error() {
			t.Errorf("%s: another manager's member (%v) and a missing one (%v) differ", name, foreign, absent)
		}
	}
	if m := e.member(mgrA, id); m.Status != MemberActive || m.Type != Basic {
		t.Errorf("manager B changed A's member: %+v", m)
	}
	if entries, _, err := e.acc.Audit(ctx, mgrB, 0); err != nil || len(entries) != 0 {
		t.Errorf("manager B's log holds %+v, %v", entries, err)
	}
}

func TestMembers_OnlyManagersManage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Ursula User", "ursula@example.org")
	user := e.session(l.Token)
	_, err := e.acc.AddMember(ctx, user, NewMember{Name: "X", Email: "x@example.org", Lang: "en", Type: Basic})
	wantErr(t, err, errs.Forbidden, MsgManagersOnly)
	_, err = e.acc.Members(ctx, user)
	wantErr(t, err, errs.Forbidden, MsgManagersOnly)
	_, _, err = e.acc.Audit(ctx, user, 0)
	wantErr(t, err, errs.Forbidden, MsgManagersOnly)
	wantErr(t, e.acc.SuspendMember(ctx, user, 1), errs.Forbidden, MsgManagersOnly)

	agentCode, err := e.acc.CreateStaff(ctx, Agent, "Agnes Agent", "agnes@example.org")
	mustOK(t, err)
	la, err := e.acc.Activate(ctx, FirstLogin{Credentials: Credentials{Usercode: agentCode.Display(), Password: goodPassword, Addr: "192.0.2.3"}, Phrase: goodPhrase})
	mustOK(t, err)
	_, err = e.acc.Members(ctx, e.session(la.Token))
	wantErr(t, err, errs.Forbidden, MsgManagersOnly)
}

func TestMembers_BadInputIsRefusedWithItsReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, mgr := e.manager("Margaret Manager", "margaret@example.org")
	for _, c := range []struct {
		m  NewMember
		id string
	}{
		{NewMember{Name: "  ", Email: "a@example.org", Lang: "en", Type: Basic}, MsgNameInvalid},
		{NewMember{Name: strings.Repeat("n", 101), Email: "a@example.org", Lang: "en", Type: Basic}, MsgNameInvalid},
		{NewMember{Name: "Ann", Email: "not an address", Lang: "en", Type: Basic}, MsgEmailInvalid},
		{NewMember{Name: "Ann", Email: "a@example.org", Lang: "en", Type: Manager}, MsgTypeInvalid},
		{NewMember{Name: "Ann", Email: "a@example.org", Lang: "en", Type: ""}, MsgTypeInvalid},
		{NewMember{Name: "Ann", Email: "a@example.org", Lang: "../etc", Type: Basic}, MsgLanguageInvalid},
	} {
		_, err := e.acc.AddMember(ctx, mgr, c.m)
		wantErr(t, err, errs.Invalid, c.id)
	}
	if list, _ := e.acc.Members(ctx, mgr); len(list) != 0 {
		t.Errorf("refused input added %d members", len(list))
	}
}

func TestMembers_AddingIsLimitedPerManagerPerHourAndPerAddressPerDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.Limits.MembersPerHour = 3 })
	ctx := context.Background()
	_, mgr := e.manager("Margaret Manager", "margaret@example.org")
	add := func(i int, email string) error {
		_, err := e.acc.AddMember(ctx, mgr, NewMember{Name: fmt.Sprint("Member ", i), Email: email, Lang: "en", Type: Basic})
		return err
	}
	for i := range 3 {
		mustOK(t, add(i, fmt.Sprintf("m%d@example.org", i)))
	}
	wantErr(t, add(3, "m3@example.org"), errs.RateLimited, MsgTooManyMembers)
	e.clk.Add(time.Hour + time.Second)
	mustOK(t, add(3, "m3@example.org"))

	// One address gets at most RegistrationsPerMail (3) account mails a day.
	e.clk.Add(2 * time.Hour)
	mustOK(t, add(4, "m3@example.org"))
	mustOK(t, add(5, "m3@example.org"))
	wantErr(t, add(6, "m3@example.org"), errs.RateLimited, MsgMemberMailLimited)
	if list, _ := e.acc.Members(ctx, mgr); len(list) != 6 {
		t.Errorf("%d members, want 6", len(list))
	}
}

func TestMembers_AuditLogRecordsEveryActionNewestFirstInPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, mgr := e.manager("Margaret Manager", "margaret@example.org")
	id, u := e.addMember(mgr, "Bruno Member", "bruno@example.org", Basic)
	e.activateMember(u)
	start := e.clk.Now()
	step := func() { e.clk.Add(time.Minute) }
	step()
	mustOK(t, e.acc.SuspendMember(ctx, mgr, id))
	step()
	mustOK(t, e.acc.ReactivateMember(ctx, mgr, id))
	step()
	mustOK(t, e.acc.SetMemberType(ctx, mgr, id, Premium))
	step()
	mustOK(t, e.acc.CloseMember(ctx, mgr, id))

	entries, more, err := e.acc.Audit(ctx, mgr, 0)
	mustOK(t, err)
	if more || len(entries) != 5 {
		t.Fatalf("entries = %+v, more = %v", entries, more)
	}
	want := []AuditAction{AuditClosed, AuditTypeChanged, AuditReactivated, AuditSuspended, AuditAdded}
	for i, e := range entries {
		if e.Action != want[i] || e.MemberID != id || !e.ByYou || e.Sealed || e.Name != "Bruno Member" {
			t.Errorf("entry %d = %+v, want %s", i, e, want[i])
		}
	}
	if tc := entries[1]; tc.From != Basic || tc.To != Premium || !tc.At.Equal(start.Add(3*time.Minute)) {
		t.Errorf("type change entry = %+v", tc)
	}
	if added := entries[4]; added.To != Basic || !added.At.Before(start.Add(time.Second)) {
		t.Errorf("added entry = %+v", added)
	}

	// Pages of AuditPageSize, newest first.
	id2, u2 := e.addMember(mgr, "Carla Member", "carla@example.org", Basic)
	e.activateMember(u2)
	for i := range AuditPageSize {
		step()
		typ := Premium
		if i%2 == 1 {
			typ = Basic
		}
		mustOK(t, e.acc.SetMemberType(ctx, mgr, id2, typ))
	}
	page0, more, err := e.acc.Audit(ctx, mgr, 0)
	mustOK(t, err)
	if len(page0) != AuditPageSize || !more || page0[0].At.Before(page0[AuditPageSize-1].At) {
		t.Fatalf("page 0: %d entries, more = %v", len(page0), more)
	}
	page1, more, err := e.acc.Audit(ctx, mgr, 1)
	mustOK(t, err)
	if len(page1) != 6 || more || page1[len(page1)-1].Action != AuditAdded || page1[len(page1)-1].MemberID != id {
		t.Fatalf("page 1: %+v, more = %v", page1, more)
	}
}

func TestMembers_ALabelTheManagerCanNoLongerOpenIsSaidSo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, mgr := e.manager("Margaret Manager", "margaret@example.org")
	id, _ := e.addMember(mgr, "Bruno Member", "bruno@example.org", Basic)
	// As after a Reset Account of the manager: the label was sealed under
	// another key.
	mustOK(t, func() error {
		_, err := e.db.Write.Exec(`UPDATE account_members SET label_sealed = $2 WHERE id = $1`, id, []byte{0})
		return err
	}())
	mustOK(t, func() error {
		_, err := e.db.Write.Exec(`UPDATE account_member_audit SET detail_sealed = $2 WHERE member_id = $1`, id, []byte{0})
		return err
	}())
	if m := e.member(mgr, id); m.Name != "" || m.Status != MemberPending {
		t.Errorf("member = %+v", m)
	}
	entries, _, err := e.acc.Audit(ctx, mgr, 0)
	mustOK(t, err)
	if len(entries) != 1 || !entries[0].Sealed || entries[0].Name != "" {
		t.Errorf("entries = %+v", entries)
	}
}

func TestMembers_NoMemberUsercodeOrNameAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// This run's own: on PostgreSQL the byte scan reads the cluster's WAL.
	name, email := storetest.Secret(t, "Ximena Quillfeather "), strings.ToLower(storetest.Secret(t, "ximena.quill."))+"@example.org"
	_, mgr := e.manager("Margaret Manager", "margaret@example.org")
	id, u := e.addMember(mgr, name, email, Basic)
	e.activateMember(u)
	mustOK(t, e.acc.SetMemberType(ctx, mgr, id, Premium))
	mustOK(t, e.acc.SuspendMember(ctx, mgr, id))
	if _, err := e.acc.Members(ctx, mgr); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"usercode":         string(u),
		"usercode display": u.Display(),
		"name":             name,
		"e-mail":           email,
	}
	for _, f := range storetest.FindSecrets(t, e.db, e.logs.Bytes(), secrets) {
		t.Error("live: " + f)
	}
	if err := e.db.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, f := range storetest.FindSecrets(t, e.db, e.logs.Bytes(), secrets) {
		t.Error("after checkpoint: " + f)
	}
	if !strings.Contains(string(e.logs.Bytes()), "accounts: member added") {
		t.Fatal("the journey was not logged")
	}
}

func TestMaskEmail(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ada@example.org":   "a…@example.org",
		"élise@example.org": "é…@example.org",
		"x@y.z":             "x…@y.z",
		"broken":            "…",
	} {
		if got := MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMembers_AnUnusedRegistrationThatExpiresShowsAsClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	mgrCode, mgr := e.manager("Margaret Manager", "margaret@example.org")
	id, u := e.addMember(mgr, "Bruno Member", "bruno@example.org", Basic)
	e.clk.Add(8 * 24 * time.Hour)
	mustOK(t, e.acc.Prune(ctx))
	// The manager's own session timed out meanwhile: sign in again.
	l, err := e.login(mgrCode, goodPassword, "192.0.2.10")
	mustOK(t, err)
	mgr = e.session(l.Token)
	m := e.member(mgr, id)
	if m.Status != MemberClosed || !m.ClosedAt.IsZero() || m.Name != "Bruno Member" {
		t.Errorf("expired member = %+v", m)
	}
	if c, _ := e.acc.Step1(ctx, u.Display()); c.FirstLogin {
		t.Error("the expired usercode still activates")
	}
	wantErr(t, e.acc.CloseMember(ctx, mgr, id), errs.Conflict, MsgMemberState)
}

func TestMembers_WithTwoStepVerificationTheCodeIsTheSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, mgr := e.manager("Margaret Manager", "margaret@example.org")
	id, u := e.addMember(mgr, "Bruno Member", "bruno@example.org", Basic)
	s := e.session(e.activateMember(u).Token)
	setup, err := e.acc.BeginTOTP(ctx, s, goodPassword)
	mustOK(t, err)
	code, _ := totp.GenerateCode(setup.Secret, e.clk.Now())
	_, err = e.acc.ConfirmTOTP(ctx, s, code)
	mustOK(t, err)
	activated := e.clk.Now()

	e.clk.Add(time.Hour)
	l, err := e.login(u, goodPassword, "192.0.2.20")
	mustOK(t, err)
	if !l.SecondFactor {
		t.Fatal("no second factor asked")
	}
	if got := e.member(mgr, id).LastSignIn; !got.Equal(activated) {
		t.Fatalf("the password step alone counted as a sign-in: %v", got)
	}
	e.clk.Add(time.Minute)
	code, _ = totp.GenerateCode(setup.Secret, e.clk.Now())
	_, err = e.acc.SecondFactor(ctx, l.Token, code)
	mustOK(t, err)
	if got := e.member(mgr, id).LastSignIn; !got.Equal(e.clk.Now()) {
		t.Errorf("last sign-in = %v, want %v", got, e.clk.Now())
	}
}
