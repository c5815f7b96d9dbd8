package accounts

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"zerodesk/internal/errs"
)

// TestTOTPSetup_TheIdOfItsSessionWithinItsTimeTheLatestOnly: the set-up is
// in the database (issue 15); its id confirms only in the session that began
// it, only while it is the page's current id, within TOTPSetupTTL;
// PendingTOTP gives the same key and otpauth URI again.
func TestTOTPSetup_TheIdOfItsSessionWithinItsTimeTheLatestOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Zoë", "zoe@example.org")
	s := e.session(l.Token)
	_, other := e.active("Ada", "ada@example.org")
	notCurrent := func(s *Session, id, why string) {
		t.Helper()
		if err := e.acc.TOTPSetupCurrent(ctx, s, id); errs.MessageIDOf(err) != MsgTOTPNotStarted {
			t.Errorf("%s: %v", why, err)
		}
	}

	if _, err := e.acc.PendingTOTP(ctx, s); errs.MessageIDOf(err) != MsgTOTPNotStarted {
		t.Fatalf("PendingTOTP before a set-up: %v", err)
	}
	setup, err := e.acc.BeginTOTP(ctx, s, goodPassword)
	mustOK(t, err)
	id, err := e.acc.NewTOTPSetupID(ctx, s)
	mustOK(t, err)
	s = e.session(l.Token)
	mustOK(t, e.acc.TOTPSetupCurrent(ctx, s, id))
	notCurrent(e.session(other.Token), id, "another session")
	notCurrent(s, id[:len(id)-2]+"AA", "a tampered id")
	notCurrent(s, "not-a-set-up", "a malformed id")

	again, err := e.acc.PendingTOTP(ctx, s)
	mustOK(t, err)
	if again.Secret != setup.Secret || again.URL != setup.URL {
		t.Fatalf("PendingTOTP = %q, want %q", again.URL, setup.URL)
	}

	// A new id: the one before no longer confirms.
	id2, err := e.acc.NewTOTPSetupID(ctx, s)
	mustOK(t, err)
	s = e.session(l.Token)
	notCurrent(s, id, "the id before")
	mustOK(t, e.acc.TOTPSetupCurrent(ctx, s, id2))
	// Past its time, nothing.
	e.clk.Add(TOTPSetupTTL + time.Second)
	s = e.session(l.Token)
	notCurrent(s, id2, "confirming after its time")

	// Once confirmed, the set-up's id is forgotten.
	id3, err := e.acc.NewTOTPSetupID(ctx, s)
	mustOK(t, err)
	code, _ := totp.GenerateCode(setup.Secret, e.clk.Now())
	_, err = e.acc.ConfirmTOTP(ctx, s, code)
	mustOK(t, err)
	mustOK(t, e.acc.EndTOTPSetup(ctx, s))
	s = e.session(l.Token)
	notCurrent(s, id3, "the id after EndTOTPSetup")
	if _, err := e.acc.PendingTOTP(ctx, s); errs.MessageIDOf(err) != MsgTOTPAlreadyOn {
		t.Errorf("PendingTOTP once on: %v", err)
	}
}
