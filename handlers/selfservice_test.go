package handlers

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
)

const (
	newPassword = "amber lighthouse 58 whistles"
	newPhrase   = "quiet falcon sleeps"
)

// registerAs registers an account of type typ ("basic", "premium") and
// returns the usercode from the mail.
func (j *journey) registerAs(t *testing.T, name, email, typ string) string {
	t.Helper()
	w := j.post(t, "/en/register", url.Values{"name": {name}, "email": {email}, "language": {"en"}, "type": {typ}})
	wantStatus(t, w, http.StatusOK)
	return j.a.usercodeFromMail(t)
}

// signedIn registers and activates an account without 1-Click and returns
// its usercode and the session token its forms carry.
func (j *journey) signedIn(t *testing.T, name, email, typ string) (string, string) {
	t.Helper()
	usercode := j.registerAs(t, name, email, typ)
	w := j.activate(t, usercode, "silver otter hums", false)
	wantStatus(t, w, http.StatusOK)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	if token == "" {
		t.Fatal("no session token in My account")
	}
	return usercode, token
}

// mailCount is how many mails the outbox has delivered.
func (a *testApp) mailCount(t testing.TB) int {
	t.Helper()
	if _, err := a.outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	return len(testsupport.MailFiles(t, a.mailDir))
}

// mailHas reports whether a delivered mail to to holds text.
func (a *testApp) mailHas(t testing.TB, to, text string) bool {
	t.Helper()
	a.mailCount(t)
	for _, raw := range testsupport.MailFiles(t, a.mailDir) {
		if strings.Contains(raw, "To: <"+to+">") && strings.Contains(raw, text) {
			return true
		}
	}
	return false
}

// postMultipart sends a same-origin multipart form with an optional file.
func (a *testApp) postMultipart(t testing.TB, path string, form url.Values, fileField string, file []byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if file != nil {
		fw, err := mw.CreateFormFile(fileField, "zerodesk-recovery.json")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "http://example.com")
	return a.do(t, r)
}

// sameResponse fails unless two responses are the same byte for byte once
// the given per-request strings are taken out.
func sameResponse(t *testing.T, what string, w1, w2 *httptest.ResponseRecorder, out1, out2 []string) {
	t.Helper()
	s1, h1, b1 := normalized(w1, out1...)
	s2, h2, b2 := normalized(w2, out2...)
	if s1 != s2 || b1 != b2 {
		t.Fatalf("%s: the responses differ: %d vs %d\n%s\n----\n%s", what, s1, s2, b1, b2)
	}
	if len(h1) != len(h2) {
		t.Errorf("%s: headers differ: %v vs %v", what, h1, h2)
	}
	for k := range h1 {
		if !slices.Equal(h1[k], h2[k]) {
			t.Errorf("%s: header %s: %v vs %v", what, k, h1[k], h2[k])
		}
	}
}

func resetForm(usercode, flow, code string) url.Values {
	return url.Values{"usercode": {usercode}, "flow": {flow}, "code": {code}, "name": {"Ada Again"},
		"password": {newPassword}, "phrase": {newPhrase}, "confirm": {"yes"}}
}

func flowOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	flow := doc(t, w).Find(`form[action="/en/reset/confirm"] input[name="flow"]`).AttrOr("value", "")
	if !accounts.ValidFlow(flow) {
		t.Fatalf("no flow in the code page:\n%.800s", w.Body.String())
	}
	return flow
}

func TestSelfService_ResetAnswersAlikeForKnownAndUnknownUsercodesAndAddresses(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	known, _ := j.signedIn(t, "Ada Lovelace", "ada@example.com", "basic")
	unknown := accounts.NewUsercode().Display()
	before := a.mailCount(t)

	cases := []struct{ name, usercode, email string }{
		{"unknown usercode", unknown, "ada@example.com"},
		{"known usercode, other address", known, "eve@example.com"},
		{"known usercode and its address", known, "ADA@example.com"},
	}
	var starts, wrongs []*httptest.ResponseRecorder
	var outs [][]string
	for _, c := range cases {
		w := j.post(t, "/en/reset", url.Values{"usercode": {strings.ToLower(c.usercode)}, "email": {c.email}})
		wantStatus(t, w, http.StatusOK)
		flow := flowOf(t, w)
		starts = append(starts, w)
		outs = append(outs, []string{flow, c.usercode})
		wrong := j.post(t, "/en/reset/confirm", resetForm(c.usercode, flow, "000000"))
		wantStatus(t, wrong, http.StatusBadRequest)
		wantText(t, doc(t, wrong).Find("#form-error"), "This code is wrong")
		if got := doc(t, wrong).Find("#reset-name").AttrOr("value", ""); got != "Ada Again" {
			t.Errorf("%s: the name typed is not kept: %q", c.name, got)
		}
		wrongs = append(wrongs, wrong)
	}
	for i := 1; i < len(cases); i++ {
		sameResponse(t, "code page: "+cases[0].name+" / "+cases[i].name, starts[0], starts[i], outs[0], outs[i])
		sameResponse(t, "wrong code: "+cases[0].name+" / "+cases[i].name, wrongs[0], wrongs[i], outs[0], outs[i])
	}
	if n := a.mailCount(t) - before; n != 1 {
		t.Errorf("%d mails sent, want 1 (only when usercode and address match)", n)
	}
	for _, w := range j.responses {
		if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("the anonymous reset set a cookie: %v", sc)
		}
	}
	j.checkSecretsStayOut(t, known, strings.ToLower(known))
}

func TestSelfService_ResetByMailReplacesTheCredentialsAndTellsTheUser(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode, token := j.signedIn(t, "Ada Lovelace", "ada@example.com", "basic")

	w := j.get(t, "/en/reset")
	wantStatus(t, w, http.StatusOK)
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Error("the reset page may be cached")
	}
	d := doc(t, w)
	wantText(t, d.Find("#reset-start-warning"), "can no longer be opened")
	// Bad input is explained, the values kept.
	w = j.post(t, "/en/reset", url.Values{"usercode": {usercode}, "email": {"not an address"}})
	wantStatus(t, w, http.StatusBadRequest)
	if v := doc(t, w).Find("#reset-usercode").AttrOr("value", ""); v != usercode {
		t.Errorf("usercode not kept: %q", v)
	}
	w = j.post(t, "/en/reset", url.Values{"usercode": {usercode}, "email": {"ada@example.com"}})
	wantStatus(t, w, http.StatusOK)
	flow := flowOf(t, w)
	wantCount(t, doc(t, w), `#reset-warning`, 1)
	wantCount(t, doc(t, w), `input[name="confirm"][required]`, 1)
	code := a.codeFromMail(t, "ada@example.com")

	// Without the box ticked: refused, nothing spent.
	f := resetForm(usercode, flow, code)
	f.Del("confirm")
	w = j.post(t, "/en/reset/confirm", f)
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "tick the box")
	if got := doc(t, w).Find("#reset-code").AttrOr("value", ""); got != code {
		t.Errorf("the code typed is not kept: %q", got)
	}
	w = j.post(t, "/en/reset/confirm", resetForm(usercode, flow, code))
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("h1"), "Your account was reset")
	if !a.mailHas(t, "ada@example.com", "Subject: Your zerodesk account was reset") {
		t.Error("no notice mailed")
	}
	// The old session and password are gone; the new ones work.
	wantStatus(t, j.post(t, "/en/account", url.Values{"token": {token}}), http.StatusForbidden)
	_, w2 := j.login(t, usercode, testPassword, false)
	wantStatus(t, w2, http.StatusForbidden)
	w1, w2 := j.login(t, usercode, newPassword, false)
	wantText(t, doc(t, w1).Find("#phrase"), newPhrase)
	wantStatus(t, w2, http.StatusOK)
	wantText(t, doc(t, w2).Find("#account-name"), "Ada Again")
	// The flow's state travels in hidden fields; a GET of the step leads back.
	w = j.get(t, "/en/reset/confirm")
	wantStatus(t, w, http.StatusSeeOther)
	j.checkSecretsStayOut(t, usercode, code, flow, newPassword)
}

func TestSelfService_FiveWrongCodesEndTheResetFlow(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode, _ := j.signedIn(t, "Ada Lovelace", "ada@example.com", "basic")
	w := j.post(t, "/en/reset", url.Values{"usercode": {usercode}, "email": {"ada@example.com"}})
	flow := flowOf(t, w)
	code := a.codeFromMail(t, "ada@example.com")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i < accounts.ResetCodeTries; i++ {
		w = j.post(t, "/en/reset/confirm", resetForm(usercode, flow, wrong))
		wantStatus(t, w, http.StatusBadRequest)
		wantCount(t, doc(t, w), "#reset-code", 1)
	}
	for _, c := range []string{wrong, code} {
		w = j.post(t, "/en/reset/confirm", resetForm(usercode, flow, c))
		wantStatus(t, w, http.StatusBadRequest)
		d := doc(t, w)
		wantText(t, d.Find("#form-error"), "Too many wrong codes")
		wantCount(t, d, "#reset-email", 1) // back to the start
	}
}

// premiumWithKey is a premium user with a recovery key set up through My
// account; keep chooses where the record stays. It returns the usercode, the
// key and, when not kept, the downloaded file.
func premiumWithKey(t *testing.T, j *journey, keep bool) (string, string, []byte) {
	t.Helper()
	usercode, token := j.signedIn(t, "Grace Hopper", "grace@example.com", "premium")
	w := j.post(t, "/en/account", url.Values{"token": {token}})
	d := doc(t, w)
	wantText(t, d.Find("#recovery-state"), "no recovery record")
	wantText(t, d.Find(`label:has(input[name="method"][value="key"])`), "recommended")
	keepValue := "yes"
	if !keep {
		keepValue = "no"
	}
	w = j.post(t, "/en/account/recover-setup", url.Values{"token": {token}, "method": {"key"}, "keep": {keepValue}, "password": {"wrong password entirely"}})
	wantStatus(t, w, http.StatusForbidden)
	wantCount(t, doc(t, w), "#form-error", 1)
	w = j.post(t, "/en/account/recover-setup", url.Values{"token": {token}, "method": {"key"}, "keep": {keepValue}, "password": {testPassword}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	key := d.Find("#recovery-key").Text()
	if len(strings.ReplaceAll(key, "-", "")) != 28 {
		t.Fatalf("recovery key %q", key)
	}
	var file []byte
	record, hasRecord := d.Find(`input[name="record"]`).Attr("value")
	if hasRecord != !keep {
		t.Fatalf("download offered: %v, keep: %v", hasRecord, keep)
	}
	if !keep {
		w = j.post(t, "/en/account/recover-setup/file", url.Values{"token": {token}, "record": {record}})
		wantStatus(t, w, http.StatusOK)
		if cd := w.Header().Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
			t.Errorf("Content-Disposition %q", cd)
		}
		file = w.Body.Bytes()
	}
	w = j.post(t, "/en/account", url.Values{"token": {token}})
	wantText(t, doc(t, w).Find("#recovery-state"), "with a recovery key")
	return usercode, key, file
}

// keyDecoy is an unknown usercode whose decoy asks for a recovery key.
func keyDecoy(t *testing.T, a *testApp) string {
	t.Helper()
	for range 400 {
		u := accounts.NewUsercode().Display()
		p, err := a.accounts.RecoverStart(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		if p.Method == accounts.RecoveryByKey {
			return u
		}
	}
	t.Fatal("no usercode with a key decoy")
	return ""
}

func recoverForm(usercode, secret string) url.Values {
	return url.Values{"usercode": {usercode}, "secret": {secret}, "password": {newPassword}, "phrase": {newPhrase}}
}

func TestSelfService_RecoverAnswersAlikeForKnownAndUnknownUsercodes(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	known, _, _ := premiumWithKey(t, j, true)
	unknown := keyDecoy(t, a)

	wk := j.post(t, "/en/recover", url.Values{"usercode": {known}})
	wu := j.post(t, "/en/recover", url.Values{"usercode": {strings.ToLower(unknown)}})
	wantStatus(t, wk, http.StatusOK)
	wantText(t, doc(t, wk).Find("#recover-prompt"), "Your recovery key")
	sameResponse(t, "the prompt", wk, wu, []string{known}, []string{unknown})

	wk = a.postMultipart(t, "/en/recover/answer", recoverForm(known, "not the key"), "", nil)
	wu = a.postMultipart(t, "/en/recover/answer", recoverForm(unknown, "not the key"), "", nil)
	wantStatus(t, wk, http.StatusForbidden)
	wantText(t, doc(t, wk).Find("#form-error"), "did not open a recovery record")
	sameResponse(t, "a wrong key", wk, wu, []string{known}, []string{unknown})

	// A question decoy is stable.
	for range 2 {
		w := j.post(t, "/en/recover", url.Values{"usercode": {unknown}})
		if got := doc(t, w).Find("#recover-prompt").Text(); got != "Your recovery key" {
			t.Errorf("the decoy changed: %q", got)
		}
	}
	for _, w := range append(j.responses, wk, wu) {
		if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("a response set a cookie: %v", sc)
		}
	}
}

func TestSelfService_RecoverWithKeyAndFileKeepsTheDataAndStoresNoSecret(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode, key, file := premiumWithKey(t, j, false)

	// The key without the file opens nothing.
	w := a.postMultipart(t, "/en/recover/answer", recoverForm(usercode, key), "", nil)
	wantStatus(t, w, http.StatusForbidden)
	// A weak new password is refused before anything is counted.
	f := recoverForm(usercode, key)
	f.Set("password", "short")
	w = a.postMultipart(t, "/en/recover/answer", f, "file", file)
	wantStatus(t, w, http.StatusBadRequest)
	wantCount(t, doc(t, w), "#recover-secret", 1)
	w = a.postMultipart(t, "/en/recover/answer", recoverForm(usercode, strings.ToLower(key)), "file", file)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("h1"), "Your account was recovered")
	if !a.mailHas(t, "grace@example.com", "Subject: Your zerodesk account was recovered") {
		t.Error("no notice mailed")
	}
	// The data stays: the name is still readable.
	_, w2 := j.login(t, usercode, newPassword, false)
	wantStatus(t, w2, http.StatusOK)
	wantText(t, doc(t, w2).Find("#account-name"), "Grace Hopper")
	wantText(t, doc(t, w2).Find("#recovery-state"), "only in the file")

	secrets := map[string]string{"recovery key": key, "normalized key": strings.ReplaceAll(key, "-", ""),
		"new password": newPassword, "usercode": usercode, "usercode (raw)": strings.ReplaceAll(usercode, "-", "")}
	if found := storetest.FindSecrets(t, a.db, []byte(a.logs.String()), secrets); len(found) > 0 {
		t.Errorf("secrets at rest:\n%s", strings.Join(found, "\n"))
	}
}

func TestSelfService_RecoverLocksAfterFiveAttemptsAndSaysUntilWhen(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode, key, _ := premiumWithKey(t, j, true)
	unknown := keyDecoy(t, a)
	for _, u := range []string{usercode, unknown} {
		for i := 1; i < accounts.RecoverAttempts; i++ {
			w := a.postMultipart(t, "/en/recover/answer", recoverForm(u, "not the key"), "", nil)
			wantStatus(t, w, http.StatusForbidden)
			wantText(t, doc(t, w).Find("#form-error"), "did not open")
		}
		// The fifth wrong attempt locks: the page says so at once.
		w := a.postMultipart(t, "/en/recover/answer", recoverForm(u, "not the key"), "", nil)
		wantStatus(t, w, http.StatusTooManyRequests)
		wantCount(t, doc(t, w), "#recover-locked", 1)
		// The right key is refused too while locked.
		w = a.postMultipart(t, "/en/recover/answer", recoverForm(u, key), "", nil)
		wantStatus(t, w, http.StatusTooManyRequests)
		wantText(t, doc(t, w).Find("#recover-locked"), "You can try again after")
		wantText(t, doc(t, w).Find("#recover-locked"), "UTC")
		w = j.post(t, "/en/recover", url.Values{"usercode": {u}})
		wantStatus(t, w, http.StatusTooManyRequests)
		wantCount(t, doc(t, w), "#recover-locked", 1)
	}
}

func TestSelfService_MyAccountShowsWhoMayRecoverAndResetsACompromisedAccount(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode, token := j.signedIn(t, "Ada Lovelace", "ada@example.com", "basic")
	w := j.post(t, "/en/account", url.Values{"token": {token}})
	d := doc(t, w)
	wantText(t, d.Find("#recovery-not-allowed"), "premium users and account managers")
	if d.Find(`form[action="/en/account/recover-setup"]`).Length() != 0 {
		t.Error("a basic user is offered the set-up")
	}
	// A basic user's set-up is refused even when posted.
	w = j.post(t, "/en/account/recover-setup", url.Values{"token": {token}, "method": {"key"}, "password": {testPassword}})
	wantStatus(t, w, http.StatusForbidden)

	// "My account may be compromised", with 1-Click: the cookie goes too.
	_, w2 := j.login(t, usercode, testPassword, true)
	cookie := w2.Result().Cookies()
	if len(cookie) != 1 {
		t.Fatalf("1-Click login set %d cookies", len(cookie))
	}
	form := url.Values{"current": {testPassword}, "name": {"Ada Lovelace"}, "password": {newPassword}, "phrase": {newPhrase}}
	w = j.post(t, "/en/account/reset", form, "Cookie", cookie[0].Name+"="+cookie[0].Value)
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "tick the box")
	form.Set("confirm", "yes")
	w = j.post(t, "/en/account/reset", form, "Cookie", cookie[0].Name+"="+cookie[0].Value)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("h1"), "Your account was reset")
	if sc := w.Header().Get("Set-Cookie"); !strings.Contains(sc, "Max-Age=0") {
		t.Errorf("the 1-Click cookie was not deleted: %q", sc)
	}
	// Both sessions ended.
	wantStatus(t, j.post(t, "/en/account", url.Values{"token": {token}}), http.StatusForbidden)
	_, w2 = j.login(t, usercode, newPassword, false)
	wantStatus(t, w2, http.StatusOK)
}
