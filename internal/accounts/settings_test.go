package accounts

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"zerodesk/internal/errs"
)

func TestChangePassword_KeepsDataAndEndsOtherSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.active("Zoë Tester", "zoe@example.org")
	other, _ := e.login(u, goodPassword, "192.0.2.2")
	s := e.session(l.Token)
	const next = "a brand new passphrase 2"

	wantErr(t, e.acc.ChangePassword(ctx, s, "wrong current pw", next), errs.Forbidden, MsgPasswordWrong)
	wantErr(t, e.acc.ChangePassword(ctx, s, goodPassword, "password2026!"), errs.Invalid, MsgPasswordCommon)
	mustOK(t, e.acc.ChangePassword(ctx, s, goodPassword, next))

	if _, err := e.acc.Session(ctx, other.Token); err == nil {
		t.Fatal("another session survived the password change")
	}
	p, err := e.acc.Profile(ctx, e.session(l.Token))
	if err != nil || p.Name != "Zoë Tester" {
		t.Fatalf("the data key was lost: %+v, %v", p, err)
	}
	_, err = e.login(u, goodPassword, "192.0.2.3")
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	l2, err := e.login(u, next, "192.0.2.3")
	mustOK(t, err)
	if p, err := e.acc.Profile(ctx, e.session(l2.Token)); err != nil || p.Email != "zoe@example.org" {
		t.Fatalf("after a new login: %+v, %v", p, err)
	}
	e.outbox.Deliver(ctx)
	if m := e.box.Last(t); !strings.Contains(m.Subject, "password was changed") || strings.Contains(m.TextBody, next) {
		t.Fatalf("notice = %+v", m)
	}
}

func TestChangePhrase_ShowsAtStep1(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.active("Zoë", "zoe@example.org")
	mustOK(t, e.acc.ChangePhrase(ctx, e.session(l.Token), "quiet otter waits"))
	c, _ := e.acc.Step1(ctx, u.Display())
	if c.Phrase != "quiet otter waits" {
		t.Fatalf("phrase = %q", c.Phrase)
	}
	wantErr(t, e.acc.ChangePhrase(ctx, e.session(l.Token), "<b>"), errs.Invalid, MsgPhraseInvalid)
}

func TestExport_HoldsTheUsersDataOpened(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Zoë Tester", "zoe@example.org")
	mustOK(t, e.acc.UpdateProfile(ctx, e.session(l.Token), "Zoë T.", "de"))
	x, err := e.acc.Export(ctx, e.session(l.Token))
	mustOK(t, err)
	b, _ := json.Marshal(x)
	for _, want := range []string{`"name":"Zoë T."`, `"email":"zoe@example.org"`, `"language":"de"`, `"anti_phishing_phrase":"copper heron drifts"`, `"label":"test browser"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("export lacks %s:\n%s", want, b)
		}
	}
}

func TestDelete_RemovesEverything(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.active("Zoë", "zoe@example.org")
	decoy := newEnv(t)
	want, _ := decoy.acc.Step1(ctx, u.Display()) // what an unknown usercode shows
	wantErr(t, e.acc.Delete(ctx, e.session(l.Token), "not my password"), errs.Forbidden, MsgPasswordWrong)
	mustOK(t, e.acc.Delete(ctx, e.session(l.Token), goodPassword))
	for _, table := range []string{"accounts", "account_sessions", "account_recovery_codes", "account_codes"} {
		var n int
		e.db.Read.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n)
		if n != 0 {
			t.Errorf("%d rows left in %s", n, table)
		}
	}
	if c, _ := e.acc.Step1(ctx, u.Display()); c != want {
		t.Fatalf("Step1 after delete = %+v, want the decoy %+v", c, want)
	}
}

func TestEmailChange_ConfirmedByACodeToTheNewAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Zoë", "zoe@example.org")
	s := e.session(l.Token)
	wantErr(t, e.acc.RequestEmailChange(ctx, s, goodPassword, "ZOE@example.org"), errs.Invalid, MsgEmailSame)
	wantErr(t, e.acc.RequestEmailChange(ctx, s, "not my password", "zoe@new.example"), errs.Forbidden, MsgPasswordWrong)
	mustOK(t, e.acc.RequestEmailChange(ctx, s, goodPassword, "zoe@new.example"))
	e.outbox.Deliver(ctx)
	m := e.box.Last(t)
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(m.TextBody)
	if m.To != "zoe@new.example" || code == "" {
		t.Fatalf("code mail = %+v", m)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "000001"
	}
	wantErr(t, e.acc.ConfirmEmailChange(ctx, s, wrong), errs.Invalid, MsgCodeWrong)
	mustOK(t, e.acc.ConfirmEmailChange(ctx, s, code))
	wantErr(t, e.acc.ConfirmEmailChange(ctx, s, code), errs.Invalid, MsgCodeWrong) // used
	p, _ := e.acc.Profile(ctx, s)
	if p.Email != "zoe@new.example" {
		t.Fatalf("e-mail = %q", p.Email)
	}
	e.outbox.Deliver(ctx)
	if m := e.box.Last(t); m.To != "zoe@example.org" || !strings.Contains(m.Subject, "was changed") {
		t.Fatalf("the old address was not told: %+v", m)
	}

	// Five wrong tries, or ten minutes, kill a code.
	mustOK(t, e.acc.RequestEmailChange(ctx, s, goodPassword, "zoe@third.example"))
	e.outbox.Deliver(ctx)
	code = regexp.MustCompile(`\b\d{6}\b`).FindString(e.box.Last(t).TextBody)
	for i := range 5 {
		w := "99999" + string(rune('0'+i))
		if w == code {
			w = "888888"
		}
		wantErr(t, e.acc.ConfirmEmailChange(ctx, s, w), errs.Invalid, MsgCodeWrong)
	}
	wantErr(t, e.acc.ConfirmEmailChange(ctx, s, code), errs.Invalid, MsgCodeWrong)
	mustOK(t, e.acc.RequestEmailChange(ctx, s, goodPassword, "zoe@third.example"))
	e.outbox.Deliver(ctx)
	code = regexp.MustCompile(`\b\d{6}\b`).FindString(e.box.Last(t).TextBody)
	e.clk.Add(10 * time.Minute)
	wantErr(t, e.acc.ConfirmEmailChange(ctx, s, code), errs.Invalid, MsgCodeWrong)
}

func TestCreateStaff_PrintsAUsercodeForTheFirstLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.acc.CreateStaff(ctx, Basic, "Ada", "ada@example.org")
	wantErr(t, err, errs.Invalid, MsgRoleInvalid)
	u, err := e.acc.CreateStaff(ctx, Admin, "Ada Admin", "ada@example.org")
	mustOK(t, err)
	if n, _ := e.outbox.Deliver(ctx); n != 0 {
		t.Fatal("CreateStaff sent mail")
	}
	l, err := e.acc.Activate(ctx, FirstLogin{Credentials: Credentials{Usercode: u.Display(), Password: goodPassword}, Phrase: goodPhrase})
	mustOK(t, err)
	if s := e.session(l.Token); s.Role != Admin || !s.Role.Staff() {
		t.Fatalf("role = %s", s.Role)
	}
}

func TestSetRole_GrantsManagerAndEndsSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.active("Zoë", "zoe@example.org")
	wantErr(t, e.acc.SetRole(ctx, l.AccountID, Role("owner")), errs.Invalid, MsgRoleInvalid)
	wantErr(t, e.acc.SetRole(ctx, l.AccountID+100, Manager), errs.NotFound, MsgNotFound)
	mustOK(t, e.acc.SetRole(ctx, l.AccountID, Manager))
	if _, err := e.acc.Session(ctx, l.Token); err == nil {
		t.Fatal("the session with the old role lives on")
	}
	l, err := e.login(u, goodPassword, "192.0.2.1")
	mustOK(t, err)
	if l.Role != Manager {
		t.Fatalf("role = %s", l.Role)
	}
}
