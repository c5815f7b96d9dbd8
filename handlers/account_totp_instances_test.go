package handlers

import (
	"bytes"
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
// session's data), so the QR image is served by B, once; a wrong code on B
// shows the same key again; the right code on A turns it on. The key is in
// neither the database nor the logs in plain.
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
	src := d.Find(".totp-qr img").AttrOr("src", "")
	setup := d.Find(`input[name="setup"]`).AttrOr("value", "")
	if len(secret) < 16 || !strings.HasPrefix(src, "/en/account/totp/qr/") || strings.Contains(src, token) {
		t.Fatalf("set-up page: key %q, image %q", secret, src)
	}

	// The image, on B: served once.
	img := onB.get(t, src)
	wantStatus(t, img, http.StatusOK)
	if img.Header().Get("Content-Type") != "image/png" || !bytes.HasPrefix(img.Body.Bytes(), []byte("\x89PNG")) {
		t.Fatalf("QR code on B: %v", img.Header())
	}
	for _, app := range []*journey{onB, onA} {
		if w := app.get(t, src); w.Code != http.StatusNotFound {
			t.Errorf("the QR code served a second time: %d", w.Code)
		}
	}
	// A tampered id serves nothing.
	if w := onB.get(t, src[:len(src)-2]+"AA"); w.Code != http.StatusNotFound {
		t.Errorf("a tampered image id: %d", w.Code)
	}

	// A wrong code on B: the same key again, the image under a new id (served by A).
	w = onB.post(t, "/en/account/totp/confirm", url.Values{"token": {token}, "setup": {setup}, "code": {"000000"}})
	if w.Code == http.StatusOK {
		t.Fatal("a wrong code confirmed the set-up")
	}
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "wrong or was already used")
	if got := strings.ReplaceAll(d.Find("#totp-key").Text(), " ", ""); got != secret {
		t.Fatalf("after a wrong code on B the key is %q, want %q", got, secret)
	}
	src2 := d.Find(".totp-qr img").AttrOr("src", "")
	if src2 == src || src2 == "" {
		t.Fatalf("the page shown again reuses the image address %q", src2)
	}
	wantStatus(t, onA.get(t, src2), http.StatusOK)
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
	logs := append(a.logs.Bytes(), b.logs.Bytes()...)
	// The image's id is a capability: the request log shows the route.
	for _, id := range []string{src, src2} {
		id = id[strings.LastIndex(id, "/")+1:]
		if bytes.Contains(logs, []byte(id)) {
			t.Errorf("the log holds the image id %q", id)
		}
	}
	if found := storetest.FindSecrets(t, a.db, logs, map[string]string{"TOTP key": secret, "session token": token, "renewed token": renewed}); len(found) > 0 {
		t.Errorf("in plain: %v", found)
	}
}
