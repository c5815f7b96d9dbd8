package accounts

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"zerodesk/internal/errs"
)

// withTOTP activates a user and turns the second factor on; it returns the
// usercode, the TOTP secret and the recovery codes.
func withTOTP(t *testing.T, e *env) (Usercode, string, []string) {
	t.Helper()
	ctx := context.Background()
	u, l := e.active("Zoë", "zoe@example.org")
	s := e.session(l.Token)
	_, err := e.acc.BeginTOTP(ctx, s, "not my password")
	wantErr(t, err, errs.Forbidden, MsgPasswordWrong)
	setup, err := e.acc.BeginTOTP(ctx, s, goodPassword)
	mustOK(t, err)
	if !strings.HasPrefix(setup.URL, "otpauth://totp/zerodesk:") || !strings.Contains(setup.URL, "secret="+setup.Secret) {
		t.Fatalf("URL = %q", setup.URL)
	}
	_, err = e.acc.ConfirmTOTP(ctx, s, "000000x")
	wantErr(t, err, errs.Invalid, MsgSecondFactorWrong)
	code, _ := totp.GenerateCode(setup.Secret, e.clk.Now())
	codes, err := e.acc.ConfirmTOTP(ctx, s, code)
	mustOK(t, err)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes", len(codes))
	}
	p, _ := e.acc.Profile(ctx, s)
	if !p.SecondFactor || p.RecoveryCodesLeft != 10 {
		t.Fatalf("Profile = %+v", p)
	}
	return u, setup.Secret, codes
}

func TestTOTP_CodeAcceptedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, secret, _ := withTOTP(t, e)
	confirmCode, _ := totp.GenerateCode(secret, e.clk.Now())

	l, err := e.login(u, goodPassword, "192.0.2.1")
	mustOK(t, err)
	if !l.SecondFactor {
		t.Fatal("no second factor asked")
	}
	if _, err := e.acc.Session(ctx, l.Token); errs.MessageIDOf(err) != MsgSessionExpired {
		t.Fatal("a half-open session opened an account page")
	}
	// The code that confirmed the set-up was used already.
	_, err = e.acc.SecondFactor(ctx, l.Token, confirmCode)
	wantErr(t, err, errs.Invalid, MsgSecondFactorWrong)

	e.clk.Add(30 * time.Second)
	code, _ := totp.GenerateCode(secret, e.clk.Now())
	full, err := e.acc.SecondFactor(ctx, l.Token, code[:3]+" "+code[3:])
	mustOK(t, err)
	if full.Token == l.Token || full.SecondFactor {
		t.Fatalf("SecondFactor = %+v", full)
	}
	e.session(full.Token)
	if _, err := e.acc.SecondFactor(ctx, l.Token, code); errs.MessageIDOf(err) != MsgSessionExpired {
		t.Fatalf("the half-open token survived: %v", err)
	}

	// The same code again, in a new login within its window: refused.
	l2, err := e.login(u, goodPassword, "192.0.2.1")
	mustOK(t, err)
	_, err = e.acc.SecondFactor(ctx, l2.Token, code)
	wantErr(t, err, errs.Invalid, MsgSecondFactorWrong)
	e.clk.Add(30 * time.Second)
	next, _ := totp.GenerateCode(secret, e.clk.Now())
	_, err = e.acc.SecondFactor(ctx, l2.Token, next)
	mustOK(t, err)
}

func TestRecoveryCode_AcceptedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, _, codes := withTOTP(t, e)
	l, _ := e.login(u, goodPassword, "192.0.2.1")
	full, err := e.acc.SecondFactor(ctx, l.Token, strings.ToLower(codes[3]))
	mustOK(t, err)
	p, _ := e.acc.Profile(ctx, e.session(full.Token))
	if p.RecoveryCodesLeft != 9 {
		t.Fatalf("%d recovery codes left, want 9", p.RecoveryCodesLeft)
	}
	l, _ = e.login(u, goodPassword, "192.0.2.1")
	_, err = e.acc.SecondFactor(ctx, l.Token, codes[3])
	wantErr(t, err, errs.Invalid, MsgSecondFactorWrong)
	_, err = e.acc.SecondFactor(ctx, l.Token, codes[4])
	mustOK(t, err)
}

func TestSecondFactor_WrongCodesEndTheAttemptAndLockTheUsercode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, secret, _ := withTOTP(t, e)
	l, _ := e.login(u, goodPassword, "192.0.2.1")
	for range 4 {
		_, err := e.acc.SecondFactor(ctx, l.Token, "123456")
		wantErr(t, err, errs.Invalid, MsgSecondFactorWrong)
	}
	_, err := e.acc.SecondFactor(ctx, l.Token, "123456")
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
	e.clk.Add(30 * time.Second)
	code, _ := totp.GenerateCode(secret, e.clk.Now())
	_, err = e.acc.SecondFactor(ctx, l.Token, code)
	wantErr(t, err, errs.Forbidden, MsgSessionExpired)
	// Five wrong codes count like five wrong passwords: the usercode is locked.
	_, err = e.login(u, goodPassword, "192.0.2.1")
	wantErr(t, err, errs.Forbidden, MsgLoginFailed)
}

func TestTOTP_DisableNeedsThePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	u, _, codes := withTOTP(t, e)
	l, _ := e.login(u, goodPassword, "192.0.2.1")
	full, _ := e.acc.SecondFactor(ctx, l.Token, codes[0])
	s := e.session(full.Token)
	wantErr(t, e.acc.DisableTOTP(ctx, s, "not my password"), errs.Forbidden, MsgPasswordWrong)
	fresh, err := e.acc.NewRecoveryCodes(ctx, s, goodPassword)
	mustOK(t, err)
	l, _ = e.login(u, goodPassword, "192.0.2.1")
	_, err = e.acc.SecondFactor(ctx, l.Token, codes[1])
	wantErr(t, err, errs.Invalid, MsgSecondFactorWrong) // replaced
	_, err = e.acc.SecondFactor(ctx, l.Token, fresh[1])
	mustOK(t, err)
	mustOK(t, e.acc.DisableTOTP(ctx, s, goodPassword))
	l, _ = e.login(u, goodPassword, "192.0.2.1")
	if l.SecondFactor {
		t.Fatal("second factor still asked after disabling")
	}
}
