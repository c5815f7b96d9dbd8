package handlers

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp/totp"
)

// setUpTOTP turns two-step verification on from My account and returns the
// key the page shows, the recovery codes and the session's token, renewed by
// the new credential (the page's forms carry it; "" for 1-Click).
func (j *journey) setUpTOTP(t *testing.T, token string, headers ...string) (string, []string, string) {
	t.Helper()
	w := j.post(t, "/en/account/totp/setup", url.Values{"token": {token}, "password": {"wrong password here"}}, headers...)
	if w.Code == http.StatusOK {
		t.Fatal("the set-up started with a wrong password")
	}
	w = j.post(t, "/en/account/totp/setup", url.Values{"token": {token}, "password": {testPassword}}, headers...)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	secret := strings.ReplaceAll(d.Find("#totp-key").Text(), " ", "")
	if len(secret) < 16 {
		t.Fatalf("set-up key %q", secret)
	}
	src := d.Find(".totp-qr img").AttrOr("src", "")
	if !strings.HasPrefix(src, "/en/account/totp/qr/") || strings.Contains(src, token) && token != "" {
		t.Fatalf("QR code address %q", src)
	}
	img := j.a.get(t, src, headers...)
	wantStatus(t, img, http.StatusOK)
	if img.Header().Get("Content-Type") != "image/png" || img.Header().Get("Cache-Control") != "no-store" || !bytes.HasPrefix(img.Body.Bytes(), []byte("\x89PNG")) {
		t.Fatalf("QR code: %v", img.Header())
	}
	if w := j.a.get(t, src, headers...); w.Code != http.StatusNotFound {
		t.Errorf("the QR code served twice: %d", w.Code)
	}
	if w := j.a.get(t, "/en/account/totp/qr/not-a-set-up"); w.Code != http.StatusNotFound {
		t.Errorf("an unknown set-up's QR code: %d", w.Code)
	}
	setup := d.Find(`input[name="setup"]`).AttrOr("value", "")
	w = j.post(t, "/en/account/totp/confirm", url.Values{"token": {token}, "setup": {setup}, "code": {"000000x"}}, headers...)
	if w.Code == http.StatusOK {
		t.Fatal("a wrong code confirmed the set-up")
	}
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "wrong or was already used")
	if got := strings.ReplaceAll(d.Find("#totp-key").Text(), " ", ""); got != secret {
		t.Fatalf("after a wrong code the key is %q, want %q", got, secret)
	}
	// Shown again, the page's image has a new address that serves.
	if src2 := d.Find(".totp-qr img").AttrOr("src", ""); src2 == src {
		t.Error("the page shown again reuses the served QR code's address")
	} else {
		src = src2
		wantStatus(t, j.a.get(t, src, headers...), http.StatusOK)
	}
	setup = d.Find(`input[name="setup"]`).AttrOr("value", "")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w = j.post(t, "/en/account/totp/confirm", url.Values{"token": {token}, "setup": {setup}, "code": {code}}, headers...)
	wantStatus(t, w, http.StatusOK)
	var codes []string
	doc(t, w).Find("#recovery-codes code").Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	renewed := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	if token != "" && (renewed == "" || renewed == token) {
		t.Fatal("turning two-step verification on kept the session's token")
	}
	// The set-up is over: its QR code is gone.
	if w := j.a.get(t, src, headers...); w.Code != http.StatusNotFound {
		t.Errorf("QR code after the set-up: %d", w.Code)
	}
	return secret, codes, renewed
}

// loginWithCode runs steps 1 and 2 of a login that asks for a second factor
// and sends code; it returns the code step's response.
func (j *journey) loginWithCode(t *testing.T, usercode, code string, on bool, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	_, w2 := j.login(t, usercode, testPassword, on, headers...)
	wantStatus(t, w2, http.StatusOK)
	d := doc(t, w2)
	if d.Find("#second-code").Length() != 1 {
		t.Fatalf("step 2 of a two-step account shows no code field:\n%s", w2.Body)
	}
	form := url.Values{"code": {code}, "oneclick": {d.Find(`input[name="oneclick"]`).AttrOr("value", "")}}
	if tok := d.Find(`input[name="token"]`).AttrOr("value", ""); tok != "" {
		form.Set("token", tok)
	}
	if on {
		if d.Find(`input[name="token"]`).Length() != 0 {
			t.Error("a 1-Click half-open session travels in the form")
		}
		cookies := w2.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("1-Click step 2 sets %d cookies, want 1", len(cookies))
		}
		headers = append(headers, "Cookie", cookies[0].Name+"="+cookies[0].Value)
	}
	return j.post(t, "/en/login/user/code", form, headers...)
}

func TestAccounts_TOTPSetUpLoginCodesOnceAndRecovery(t *testing.T) {
	t.Parallel()
	j, usercode, w := adaAtMyAccount(t)
	a := j.a
	wantStatus(t, w, http.StatusOK)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	secret, recovery, renewed := j.setUpTOTP(t, token)
	w = j.post(t, "/en/account", url.Values{"token": {renewed}})
	wantText(t, doc(t, w).Find("#totp-state"), "is on")
	j.post(t, "/en/account/logout", url.Values{"token": {renewed}})

	// A code of the next step (the set-up used this one's) opens My account.
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	w = j.loginWithCode(t, usercode, code, false)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find("#account-name"), "Ada Lovelace")
	token = d.Find(`input[name="token"]`).First().AttrOr("value", "")
	j.post(t, "/en/account/logout", url.Values{"token": {token}})

	// The same code is refused the second time; the page asks again.
	w = j.loginWithCode(t, usercode, code, false)
	if w.Code == http.StatusOK || doc(t, w).Find("#second-code").Length() != 1 {
		t.Fatalf("a used code: %d\n%s", w.Code, w.Body)
	}
	wantText(t, doc(t, w).Find("#form-error"), "wrong or was already used")
	// On the same half-open session, a recovery code is accepted.
	half := doc(t, w).Find(`input[name="token"]`).AttrOr("value", "")
	w = j.post(t, "/en/login/user/code", url.Values{"token": {half}, "oneclick": {"off"}, "code": {strings.ToLower(recovery[0])}})
	wantStatus(t, w, http.StatusOK)
	token = doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	wantText(t, doc(t, w).Find("#account-name"), "Ada Lovelace")
	j.post(t, "/en/account/logout", url.Values{"token": {token}})
	// ... once.
	w = j.loginWithCode(t, usercode, recovery[0], false)
	if w.Code == http.StatusOK {
		t.Fatal("a used recovery code was accepted again")
	}
	for i, w := range j.responses {
		if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("response %d sets a cookie without 1-Click: %v", i, sc)
		}
	}

	// With 1-Click: the half-open session is the cookie, then the session.
	w = j.loginWithCode(t, usercode, recovery[1], true)
	wantStatus(t, w, http.StatusSeeOther)
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || w.Header().Get("Location") != "/en/account" {
		t.Fatalf("second factor with 1-Click: %v %v", w.Header().Values("Set-Cookie"), w.Header())
	}
	ck := "zd=" + cookies[0].Value
	w = a.get(t, "/en/account", "Cookie", ck)
	wantStatus(t, w, http.StatusOK)
	// Turning it off asks for the password; then the login has no code step.
	w = a.post(t, "/en/account/totp/disable", url.Values{"password": {"not the password"}}, "Cookie", ck)
	if w.Code == http.StatusOK {
		t.Fatal("two-step verification turned off with a wrong password")
	}
	w = a.post(t, "/en/account/totp/disable", url.Values{"password": {testPassword}}, "Cookie", ck)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find(".notice"), "turned off")
	wantText(t, doc(t, w).Find("#totp-state"), "is off")
	_, w2 := j.login(t, usercode, testPassword, false)
	wantStatus(t, w2, http.StatusOK)
	wantText(t, doc(t, w2).Find("#account-name"), "Ada Lovelace")
	j.checkSecretsStayOut(t, usercode, testPassword, token, renewed, secret, recovery[0], recovery[1])
}

func TestAccounts_NewRecoveryCodesAreShownOnceAndReplaceTheOld(t *testing.T) {
	t.Parallel()
	j, _, w := adaAtMyAccount(t)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	_, old, token := j.setUpTOTP(t, token)

	w = j.post(t, "/en/account", url.Values{"token": {token}})
	wantCount(t, doc(t, w), `form[action="/en/account/recovery"] input[name="password"]`, 1)
	w = j.post(t, "/en/account/recovery", url.Values{"token": {token}, "password": {"wrong password here"}})
	if w.Code == http.StatusOK {
		t.Fatal("new codes with a wrong password")
	}
	w = j.post(t, "/en/account/recovery", url.Values{"token": {token}, "password": {testPassword}})
	wantStatus(t, w, http.StatusOK)
	var fresh []string
	doc(t, w).Find("#recovery-codes code").Each(func(_ int, s *goquery.Selection) { fresh = append(fresh, s.Text()) })
	if len(fresh) == 0 {
		t.Fatal("no new recovery codes shown")
	}
	for _, c := range old {
		if slices.Contains(fresh, c) {
			t.Fatalf("old code %q shown again", c)
		}
	}
	// My account shows them no more.
	w = j.post(t, "/en/account", url.Values{"token": {token}})
	if strings.Contains(w.Body.String(), fresh[0]) {
		t.Fatal("My account shows a recovery code")
	}
}
