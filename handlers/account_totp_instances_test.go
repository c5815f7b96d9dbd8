package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"zerodesk/internal/store/storetest"
)

// TestAccounts_TOTPSetUpAcrossTwoInstances: behind a proxy without sticky
// sessions each request of a two-step set-up may reach another instance. The
// set-up is in the database (the pending secret sealed, its id in the
// session's data) and its QR code is part of its page: a wrong code on B
// shows the same key and QR code again; the page before is refused; the right
// code on A turns it on. The key is in neither the database nor the logs in
// plain, and no response holds an address of it.
func TestAccounts_TOTPSetUpAcrossTwoInstances(t *testing.T) {
	t.Parallel()
	a, b := twoTestApps(t)
	onA, onB := &journey{a: a}, &journey{a: b}
	usercode := onA.register(t, "Ada Lovelace", "ada@example.com")
	w := onA.activate(t, usercode, "silver otter hums", false)
	wantStatus(t, w, http.StatusOK)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")

	w = onA.post(t, "/en/account/totp/setup", url.Values{"token": {token}, "password": {testPassword}})
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	secret := strings.ReplaceAll(d.Find("#totp-key").Text(), " ", "")
	setup := d.Find(`input[name="setup"]`).AttrOr("value", "")
	if len(secret) < 16 || len(setup) == 0 {
		t.Fatalf("set-up page: key %q, set-up %q", secret, setup)
	}
	qr := wantQRCodeOf(t, d, secret, "Ada Lovelace")

	// A wrong code on B: the same key and QR code again, under a new id.
	w = onB.post(t, "/en/account/totp/confirm", url.Values{"token": {token}, "setup": {setup}, "code": {"000000"}})
	if w.Code == http.StatusOK {
		t.Fatal("a wrong code confirmed the set-up")
	}
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "wrong or was already used")
	if got := strings.ReplaceAll(d.Find("#totp-key").Text(), " ", ""); got != secret {
		t.Fatalf("after a wrong code on B the key is %q, want %q", got, secret)
	}
	if again := wantQRCodeOf(t, d, secret, "Ada Lovelace"); again != qr {
		t.Fatal("the page on B draws another QR code")
	}
	if d.Find(`input[name="setup"]`).AttrOr("value", "") == setup {
		t.Fatal("the page shown again reuses the set-up id")
	}
	// The id before the page shown again confirms nothing.
	w = onA.post(t, "/en/account/totp/confirm", url.Values{"token": {token}, "setup": {setup}, "code": {"000000"}})
	wantStatus(t, w, http.StatusConflict)
	setup = d.Find(`input[name="setup"]`).AttrOr("value", "")

	// The right code on A.
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w = onA.post(t, "/en/account/totp/confirm", url.Values{"token": {token}, "setup": {setup}, "code": {code}})
	wantStatus(t, w, http.StatusOK)
	if n := doc(t, w).Find("#recovery-codes code").Length(); n != 10 {
		t.Fatalf("%d recovery codes shown, want 10", n)
	}
	renewed := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	w = onB.post(t, "/en/account", url.Values{"token": {renewed}})
	wantText(t, doc(t, w).Find("#totp-state"), "is on")

	onA.checkSecretsStayOut(t, token, renewed, secret)
	onB.checkSecretsStayOut(t, token, renewed, secret)
	for _, w := range append(onA.responses, onB.responses...) {
		if strings.Contains(w.Body.String(), "/account/totp/qr") {
			t.Fatal("a page links to a QR image")
		}
	}
	logs := append(a.logs.Bytes(), b.logs.Bytes()...)
	if len(logs) == 0 {
		t.Fatal("no request log to scan")
	}
	if found := storetest.FindSecrets(t, a.db, logs, map[string]string{"TOTP key": secret, "QR code": qr, "session token": token, "renewed token": renewed}); len(found) > 0 {
		t.Errorf("in plain: %v", found)
	}
}
