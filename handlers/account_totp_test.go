package handlers

import (
	"encoding/base32"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp/totp"

	"zerodesk/views"
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
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the set-up page's Cache-Control is %q", cc)
	}
	qr := wantQRCodeOf(t, d, secret, "Ada Lovelace")
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
	// Shown again: the same QR code, part of the page.
	if again := wantQRCodeOf(t, d, secret, "Ada Lovelace"); again != qr {
		t.Error("the page shown again draws another QR code")
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
	return secret, codes, renewed
}

// wantQRCodeOf checks the set-up page d draws, inline, the QR code of the
// otpauth URI of secret for the account named name: one SVG path of the
// modules (views.NewQRCode), read back module by module and compared with
// what the QR library encodes for that URI, named by its label; no image
// address. It returns the path.
func wantQRCodeOf(t *testing.T, d *goquery.Document, secret, name string) string {
	t.Helper()
	if n := d.Find("main img, main [src]").Length(); n != 0 {
		t.Errorf("the set-up page has %d images or sources", n)
	}
	svg := d.Find(`.totp-qr svg[role="img"]`)
	if svg.Length() != 1 || svg.Find("*").Length() != 1 || svg.Find("path").Length() != 1 {
		t.Fatalf("the set-up page's QR code is not one SVG path: %d svg", svg.Length())
	}
	if label := svg.AttrOr("aria-label", ""); label != "QR code for your authenticator app" {
		t.Errorf("the QR code's name is %q", label)
	}
	if _, ok := svg.Attr("style"); ok {
		t.Error("the QR code has a style attribute")
	}
	var size int
	if _, err := fmt.Sscanf(svg.AttrOr("viewBox", ""), "0 0 %d %d", &size, &size); err != nil {
		t.Fatalf("viewBox %q: %v", svg.AttrOr("viewBox", ""), err)
	}
	path := svg.Find("path").AttrOr("d", "")
	got, err := views.ParseQRPath(path, size)
	if err != nil {
		t.Fatalf("the QR code's path: %v", err)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "zerodesk", AccountName: name, Period: 30, Secret: raw})
	if err != nil {
		t.Fatal(err)
	}
	want, err := views.QRMatrix(key.URL())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("the QR code does not hold %s", key.URL())
	}
	return path
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
