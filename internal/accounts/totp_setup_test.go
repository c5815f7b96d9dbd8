package accounts

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"zerodesk/internal/errs"
)

// TestTOTPSetup_TheImageOnceToItsSessionWithinItsTime: the set-up is in the
// database (issue 15); its image id serves once, only for the session that
// began it (and its cookie), only while it is the page's current id, within
// TOTPSetupTTL; PendingTOTP gives the same key again.
func TestTOTPSetup_TheImageOnceToItsSessionWithinItsTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, l := e.active("Zoë", "zoe@example.org")
	s := e.session(l.Token)
	_, other := e.active("Ada", "ada@example.org")
	notFound := func(id, cookie, why string) {
		t.Helper()
		if _, err := e.acc.ShowTOTPImage(ctx, id, cookie); errs.CodeOf(err) != errs.NotFound {
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
	if strings.Contains(id, l.Token) {
		t.Fatal("the image id holds the session token")
	}
	s = e.session(l.Token)
	mustOK(t, e.acc.TOTPSetupCurrent(ctx, s, id))
	notFound(id, other.Token, "another session's cookie")
	notFound(id[:len(id)-2]+"AA", "", "a tampered id")
	notFound("not-a-set-up", "", "a malformed id")
	img, err := e.acc.ShowTOTPImage(ctx, id, l.Token)
	mustOK(t, err)
	if _, err := png.Decode(bytes.NewReader(img)); err != nil || !bytes.Equal(img, setup.QRCode) {
		t.Fatalf("the image is not the set-up's QR code: %v", err)
	}
	notFound(id, "", "a second time")

	again, err := e.acc.PendingTOTP(ctx, s)
	mustOK(t, err)
	if again.Secret != setup.Secret || again.URL != setup.URL {
		t.Fatalf("PendingTOTP = %q, want %q", again.URL, setup.URL)
	}

	// A new id: the one before neither serves nor confirms.
	id2, err := e.acc.NewTOTPSetupID(ctx, s)
	mustOK(t, err)
	s = e.session(l.Token)
	if err := e.acc.TOTPSetupCurrent(ctx, s, id); errs.MessageIDOf(err) != MsgTOTPNotStarted {
		t.Errorf("the id before: %v", err)
	}
	mustOK(t, e.acc.TOTPSetupCurrent(ctx, s, id2))
	// Past its time, nothing.
	e.clk.Add(TOTPSetupTTL + time.Second)
	s = e.session(l.Token)
	notFound(id2, "", "after its time")
	if err := e.acc.TOTPSetupCurrent(ctx, s, id2); errs.MessageIDOf(err) != MsgTOTPNotStarted {
		t.Errorf("confirming after its time: %v", err)
	}

	// Once confirmed, the set-up's id is forgotten and its image gone.
	id3, err := e.acc.NewTOTPSetupID(ctx, s)
	mustOK(t, err)
	code, _ := totp.GenerateCode(setup.Secret, e.clk.Now())
	_, err = e.acc.ConfirmTOTP(ctx, s, code)
	mustOK(t, err)
	notFound(id3, "", "after the set-up")
	mustOK(t, e.acc.EndTOTPSetup(ctx, s))
	s = e.session(l.Token)
	if err := e.acc.TOTPSetupCurrent(ctx, s, id3); errs.MessageIDOf(err) != MsgTOTPNotStarted {
		t.Errorf("the id after EndTOTPSetup: %v", err)
	}
	if _, err := e.acc.PendingTOTP(ctx, s); errs.MessageIDOf(err) != MsgTOTPAlreadyOn {
		t.Errorf("PendingTOTP once on: %v", err)
	}
}
