package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
)

func resetForm(usercode, flow, code string) url.Values {
	return url.Values{"usercode": {usercode}, "flow": {flow}, "code": {code}, "name": {"Ada Again"},
		"password": {newPassword}, "phrase": {newPhrase}, "confirm": {"yes"}}
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
