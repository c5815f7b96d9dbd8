package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/store/storetest"
)

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
	// The new password is this run's own: on PostgreSQL the byte scan reads
	// the cluster's WAL, which every test running at the same time writes.
	password := storetest.Secret(t, "amber lighthouse ")
	recoverForm := func(usercode, secret string) url.Values {
		f := recoverForm(usercode, secret)
		f.Set("password", password)
		return f
	}

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
	_, w2 := j.login(t, usercode, password, false)
	wantStatus(t, w2, http.StatusOK)
	wantText(t, doc(t, w2).Find("#account-name"), "Grace Hopper")
	wantText(t, doc(t, w2).Find("#recovery-state"), "only in the file")

	secrets := map[string]string{"recovery key": key, "normalized key": strings.ReplaceAll(key, "-", ""),
		"new password": password, "usercode": usercode, "usercode (raw)": strings.ReplaceAll(usercode, "-", "")}
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
