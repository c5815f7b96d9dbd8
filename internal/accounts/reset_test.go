package accounts

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"zerodesk/internal/errs"
)

const (
	resetPassword = "amber lighthouse 58 whistles"
	resetPhrase   = "quiet falcon sleeps"
)

var sixDigitCode = regexp.MustCompile(`\b[0-9]{6}\b`)

// delivered sends the outbox and returns how many mails went out.
func (e *env) delivered() int {
	e.t.Helper()
	if _, err := e.outbox.Deliver(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return e.box.Len()
}

// resetCode delivers the outbox and reads the code of the newest mail.
func (e *env) resetCode() string {
	e.t.Helper()
	e.delivered()
	m := e.box.Last(e.t)
	if !strings.Contains(m.Subject, "reset code") {
		e.t.Fatalf("the last mail is %q, not a reset code", m.Subject)
	}
	code := sixDigitCode.FindString(m.TextBody)
	if code == "" {
		e.t.Fatalf("no code in the mail:\n%s", m.TextBody)
	}
	return code
}

func finish(u Usercode, flow, code string) ResetFinish {
	return ResetFinish{Usercode: u.Display(), Flow: flow, Code: code, Name: "Zoë Again", Password: resetPassword,
		Phrase: resetPhrase, Confirmed: true, Addr: "192.0.2.9"}
}

func TestReset_CodeByMailSetsNewCredentialsAndANewDataKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, secret, _ := withTOTP(t, e)
	l, err := e.login(u, goodPassword, "192.0.2.1")
	mustOK(t, err)
	code, _ := totp.GenerateCode(secret, e.clk.Now().Add(30*time.Second))
	full, err := e.acc.SecondFactor(ctx, l.Token, code)
	mustOK(t, err)
	s := e.session(full.Token)
	// Another room's key, wrapped under the old data key.
	wrapped, err := e.acc.WrapForAccount(s, []byte("thread key 0123456789abcdef01234"), []byte("thread|1"))
	mustOK(t, err)

	flow, err := e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "ZOE@example.org", Addr: "192.0.2.9"})
	mustOK(t, err)
	if !ValidFlow(flow) {
		t.Fatalf("flow %q", flow)
	}
	mailed := e.resetCode()
	if body := e.box.Last(t).TextBody; !strings.Contains(body, "10 minutes") {
		t.Errorf("the code mail does not say how long it lives:\n%s", body)
	}
	mustOK(t, e.acc.FinishReset(ctx, finish(u, flow, mailed)))

	// Every session ended; the old password is dead, the new one works without
	// a second factor (TOTP was sealed under the old key).
	if _, err := e.acc.Session(ctx, full.Token); errs.MessageIDOf(err) != MsgSessionExpired {
		t.Errorf("the old session lives on: %v", err)
	}
	_, err = e.login(u, goodPassword, "192.0.2.1")
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	l2, err := e.login(u, resetPassword, "192.0.2.1")
	mustOK(t, err)
	if l2.SecondFactor {
		t.Error("two-step verification survived the reset")
	}
	s2 := e.session(l2.Token)
	p, err := e.acc.Profile(ctx, s2)
	mustOK(t, err)
	if p.Name != "Zoë Again" || p.SecondFactor || p.RecoveryCodesLeft != 0 {
		t.Errorf("profile after reset: %+v", p)
	}
	ch, err := e.acc.Step1(ctx, u.Display())
	mustOK(t, err)
	if ch.Phrase != resetPhrase {
		t.Errorf("phrase = %q", ch.Phrase)
	}
	// Data under the old key is gone.
	if _, err := e.acc.UnwrapForAccount(s2, wrapped, []byte("thread|1")); err == nil {
		t.Error("the reset account still opens data sealed under the old key")
	}
	// The address on file was told.
	e.delivered()
	if m := e.box.Last(t); m.To != "zoe@example.org" || !strings.Contains(m.Subject, "was reset") {
		t.Errorf("last mail %q to %q", m.Subject, m.To)
	}
	// The code is single use.
	err = e.acc.FinishReset(ctx, finish(u, flow, mailed))
	wantErr(t, err, errs.Invalid, MsgCodeWrong)
}

func TestReset_UnknownUsercodeOrOtherEmailSendNothingAndLookTheSame(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.active("Zoë", "zoe@example.org")
	before := e.delivered()
	unknown := NewUsercode()
	for _, r := range []ResetRequest{
		{Usercode: unknown.Display(), Email: "zoe@example.org"},
		{Usercode: u.Display(), Email: "someone@example.org"},
	} {
		r.Addr = "192.0.2.9"
		flow, err := e.acc.StartReset(ctx, r)
		mustOK(t, err)
		if !ValidFlow(flow) {
			t.Fatalf("flow %q", flow)
		}
		// The code step of a made-up flow: wrong four times, then dead, like a real one.
		for i := 1; i <= ResetCodeTries+1; i++ {
			err := e.acc.FinishReset(ctx, finish(Usercode(strings.ReplaceAll(r.Usercode, "-", "")), flow, "123456"))
			if i < ResetCodeTries {
				wantErr(t, err, errs.Invalid, MsgCodeWrong)
			} else {
				wantErr(t, err, errs.Invalid, MsgResetFlowDead)
			}
		}
	}
	if after := e.delivered(); after != before {
		t.Errorf("%d mails sent for a usercode and address that do not match", after-before)
	}
	// Malformed input is refused before anything else.
	_, err := e.acc.StartReset(ctx, ResetRequest{Usercode: "nope", Email: "zoe@example.org"})
	wantErr(t, err, errs.Invalid, MsgUsercodeInvalid)
	_, err = e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "not an address"})
	wantErr(t, err, errs.Invalid, MsgEmailInvalid)
}

func TestReset_FiveWrongCodesKillTheFlowAndTheCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.active("Zoë", "zoe@example.org")
	flow, err := e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "zoe@example.org", Addr: "a"})
	mustOK(t, err)
	code := e.resetCode()
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i < ResetCodeTries; i++ {
		wantErr(t, e.acc.FinishReset(ctx, finish(u, flow, wrong)), errs.Invalid, MsgCodeWrong)
	}
	wantErr(t, e.acc.FinishReset(ctx, finish(u, flow, wrong)), errs.Invalid, MsgResetFlowDead)
	// The right code no longer helps, in this flow or any other.
	wantErr(t, e.acc.FinishReset(ctx, finish(u, flow, code)), errs.Invalid, MsgResetFlowDead)
	other, err := e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "zoe@example.org", Addr: "a"})
	mustOK(t, err)
	fresh := e.resetCode()
	if fresh != code {
		wantErr(t, e.acc.FinishReset(ctx, finish(u, other, code)), errs.Invalid, MsgCodeWrong)
	}
	mustOK(t, e.acc.FinishReset(ctx, finish(u, other, fresh)))
}

func TestReset_CodeIsBoundToItsFlowAndExpiresAfterTenMinutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.active("Zoë", "zoe@example.org")
	flow, err := e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "zoe@example.org", Addr: "a"})
	mustOK(t, err)
	code := e.resetCode()
	// Another flow (made up, well-formed) cannot use the code.
	wantErr(t, e.acc.FinishReset(ctx, finish(u, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", code)), errs.Invalid, MsgCodeWrong)
	wantErr(t, e.acc.FinishReset(ctx, finish(u, "not a flow", code)), errs.Invalid, MsgCodeWrong)
	// Nine minutes 59: still good. Ten: gone.
	e.clk.Add(10*time.Minute - time.Second)
	f := finish(u, flow, code)
	f.Confirmed = false
	wantErr(t, e.acc.FinishReset(ctx, f), errs.Invalid, MsgResetUnconfirmed)
	f.Password = "short"
	f.Confirmed = true
	wantErr(t, e.acc.FinishReset(ctx, f), errs.Invalid, MsgPasswordTooShort)
	e.clk.Add(time.Second)
	wantErr(t, e.acc.FinishReset(ctx, finish(u, flow, code)), errs.Invalid, MsgCodeWrong)

	// A fresh code, used within its time, works; a password holding the
	// e-mail address is refused after the code without spending a try.
	flow, err = e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "zoe@example.org", Addr: "a"})
	mustOK(t, err)
	code = e.resetCode()
	e.clk.Add(9 * time.Minute)
	f = finish(u, flow, code)
	f.Password = "zoe@example.org kettle 12"
	wantErr(t, e.acc.FinishReset(ctx, f), errs.Invalid, MsgPasswordPersonal)
	mustOK(t, e.acc.FinishReset(ctx, finish(u, flow, code)))
}

func TestReset_LimitsPerAccountSilentlyAndPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, _ := e.active("Zoë", "zoe@example.org")
	before := e.delivered()
	for i := 0; i < resetsPerAccount+2; i++ {
		_, err := e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "zoe@example.org", Addr: "addr " + string(rune('a'+i))})
		mustOK(t, err)
	}
	if n := e.delivered() - before; n != resetsPerAccount {
		t.Errorf("%d codes mailed in an hour, want %d", n, resetsPerAccount)
	}
	for i := 0; i < resetsPerAddress; i++ {
		_, err := e.acc.StartReset(ctx, ResetRequest{Usercode: NewUsercode().Display(), Email: "x@example.org", Addr: "one address"})
		mustOK(t, err)
	}
	_, err := e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "zoe@example.org", Addr: "one address"})
	wantErr(t, err, errs.RateLimited, MsgResetTooMany)
	// An hour later both limits have passed.
	e.clk.Add(time.Hour)
	_, err = e.acc.StartReset(ctx, ResetRequest{Usercode: u.Display(), Email: "zoe@example.org", Addr: "one address"})
	mustOK(t, err)
	e.resetCode()
}

func TestResetSignedIn_NeedsThePasswordAndEndsEverySession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, l := e.active("Zoë", "zoe@example.org")
	other, err := e.login(u, goodPassword, "192.0.2.1")
	mustOK(t, err)
	s := e.session(l.Token)
	wrapped, err := e.acc.WrapForAccount(s, []byte("thread key 0123456789abcdef01234"), []byte("thread|1"))
	mustOK(t, err)
	r := SignedInReset{Current: "wrong password here", Name: "Zoë", Password: resetPassword, Phrase: resetPhrase, Confirmed: true}
	wantErr(t, e.acc.ResetSignedIn(ctx, s, r), errs.Forbidden, MsgPasswordWrong)
	r.Current, r.Confirmed = goodPassword, false
	wantErr(t, e.acc.ResetSignedIn(ctx, s, r), errs.Invalid, MsgResetUnconfirmed)
	r.Confirmed = true
	mustOK(t, e.acc.ResetSignedIn(ctx, s, r))
	for _, token := range []string{l.Token, other.Token} {
		if _, err := e.acc.Session(ctx, token); errs.MessageIDOf(err) != MsgSessionExpired {
			t.Errorf("a session lives on after the reset: %v", err)
		}
	}
	l2, err := e.login(u, resetPassword, "192.0.2.1")
	mustOK(t, err)
	if _, err := e.acc.UnwrapForAccount(e.session(l2.Token), wrapped, []byte("thread|1")); err == nil {
		t.Error("data under the old key still opens")
	}
	e.delivered()
	if m := e.box.Last(t); !strings.Contains(m.Subject, "was reset") {
		t.Errorf("last mail %q", m.Subject)
	}
}
