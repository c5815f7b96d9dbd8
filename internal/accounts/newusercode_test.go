package accounts

import (
	"context"
	"strings"
	"testing"
	"time"
)

func (e *env) mailedCode(to string) string {
	e.t.Helper()
	if _, err := e.outbox.Deliver(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	m := e.box.Last(e.t)
	if !strings.Contains(m.To, to) {
		e.t.Fatalf("the last mail went to %v, not %s", m.To, to)
	}
	return sixDigitCode.FindString(m.TextBody)
}

func TestNewUsercode_ProvingTheAddressReplacesTheUsercode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.Limits.UsercodeFloor = -1 })
	ctx := context.Background()
	old, l := e.active("Ada Lovelace", "ada@example.com")
	mustOK(t, e.acc.SetRole(ctx, l.AccountID, Premium)) // a recovery record is a premium feature
	l, err := e.login(old, goodPassword, "192.0.2.9")
	mustOK(t, err)
	_, err = e.acc.SetUpRecovery(ctx, e.session(l.Token), RecoverySetup{Method: RecoveryByQuestion, Question: Questions[0], Answer: "first teacher name", Password: goodPassword, Keep: true})
	mustOK(t, err)
	if _, err := e.outbox.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	flow, err := e.acc.RequestUsercode(ctx, UsercodeRequest{Email: "ADA@example.com", Addr: "192.0.2.8"})
	mustOK(t, err)
	code := e.mailedCode("ada@example.com")
	if code == "" || !strings.Contains(e.box.Last(t).Subject, "new usercode") {
		t.Fatal("no code was mailed")
	}
	// A wrong code, another address: refused alike.
	_, err = e.acc.FinishUsercode(ctx, UsercodeFinish{Email: "ada@example.com", Flow: flow, Code: "000000"})
	if code != "000000" {
		wantErr(t, err, "invalid", MsgCodeWrong)
	}
	_, err = e.acc.FinishUsercode(ctx, UsercodeFinish{Email: "eve@example.com", Flow: flow, Code: code})
	wantErr(t, err, "invalid", MsgCodeWrong)

	got, err := e.acc.FinishUsercode(ctx, UsercodeFinish{Email: "ada@example.com", Flow: flow, Code: code})
	mustOK(t, err)
	if len(got) != 1 || got[0].Usercode == old {
		t.Fatalf("issued %+v", got)
	}
	nu := got[0].Usercode
	// The old usercode stops working; sessions ended; the code is used up.
	if _, err := e.login(old, goodPassword, "192.0.2.9"); err == nil {
		t.Error("the old usercode still logs in")
	}
	if c, _ := e.acc.Step1(ctx, old.Display()); c.NewUsercode || c.FirstLogin || !isSuggestion(e.acc, c.Phrase) {
		t.Errorf("old usercode at step 1 = %+v, want a decoy", c)
	}
	if _, err := e.acc.Session(ctx, l.Token); err == nil {
		t.Error("a session outlived the new usercode")
	}
	_, err = e.acc.FinishUsercode(ctx, UsercodeFinish{Email: "ada@example.com", Flow: flow, Code: code})
	wantErr(t, err, "invalid", MsgCodeWrong)

	// The new one: step 1 says so until the password re-seals the phrase.
	c, err := e.acc.Step1(ctx, nu.Display())
	if err != nil || !c.NewUsercode {
		t.Fatalf("new usercode at step 1 = %+v, %v", c, err)
	}
	nl, err := e.login(nu, goodPassword, "192.0.2.9")
	mustOK(t, err)
	if c, _ := e.acc.Step1(ctx, nu.Display()); c.Phrase != goodPhrase || c.NewUsercode {
		t.Errorf("after the login step 1 = %+v", c)
	}
	// What was sealed under the old usercode's key opens under the new one.
	info, err := e.acc.Recovery(ctx, e.session(nl.Token))
	if err != nil || !info.Set || info.Question != Questions[0] {
		t.Errorf("recovery after the new usercode = %+v, %v", info, err)
	}
	x, err := e.acc.Export(ctx, e.session(nl.Token))
	if err != nil || x.Phrase != goodPhrase {
		t.Errorf("export = %v, %v", x, err)
	}
	mustOK(t, e.acc.ChangePhrase(ctx, e.session(nl.Token), "quiet otter swims"))
	e.mailedCode("ada@example.com") // the "usercode replaced" notice went out
}

func TestNewUsercode_UnknownAddressAnswersAlikeAndLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.Limits.UsercodeFloor = 30 * time.Millisecond })
	ctx := context.Background()
	e.active("Ada Lovelace", "ada@example.com")
	sent := e.box.Len()
	start := time.Now()
	flow, err := e.acc.RequestUsercode(ctx, UsercodeRequest{Email: "nobody@example.com", Addr: "192.0.2.8"})
	if err != nil || !ValidFlow(flow) {
		t.Fatalf("unknown address: %q, %v", flow, err)
	}
	if time.Since(start) < 30*time.Millisecond {
		t.Error("the unknown address answered before the floor")
	}
	if _, err := e.outbox.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if e.box.Len() != sent {
		t.Error("a mail went to an unregistered address")
	}
	_, err = e.acc.RequestUsercode(ctx, UsercodeRequest{Email: "not an address", Addr: "192.0.2.8"})
	wantErr(t, err, "invalid", MsgEmailInvalid)

	// Per e-mail address: above usercodesPerEmail an hour, nothing more is sent, silently.
	for i := range usercodesPerEmail + 2 {
		if _, err := e.acc.RequestUsercode(ctx, UsercodeRequest{Email: "ada@example.com", Addr: "198.51.100." + string(rune('1'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.outbox.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.box.Len() - sent; n != usercodesPerEmail {
		t.Errorf("%d mails to one address, want %d", n, usercodesPerEmail)
	}
	// Per client address: an error the visitor sees.
	for range usercodesPerAddress {
		_, err = e.acc.RequestUsercode(ctx, UsercodeRequest{Email: "x@example.com", Addr: "203.0.113.5"})
		mustOK(t, err)
	}
	_, err = e.acc.RequestUsercode(ctx, UsercodeRequest{Email: "x@example.com", Addr: "203.0.113.5"})
	wantErr(t, err, "rate_limited", MsgUsercodeTooMany)

	// Five wrong codes end a flow.
	flow, _ = e.acc.RequestUsercode(ctx, UsercodeRequest{Email: "nobody@example.com", Addr: "192.0.2.77"})
	for range ResetCodeTries {
		_, err = e.acc.FinishUsercode(ctx, UsercodeFinish{Email: "nobody@example.com", Flow: flow, Code: "123456"})
		wantErr(t, err, "invalid", MsgCodeWrong)
	}
	_, err = e.acc.FinishUsercode(ctx, UsercodeFinish{Email: "nobody@example.com", Flow: flow, Code: "123456"})
	wantErr(t, err, "invalid", MsgUsercodeFlowDead)
}
