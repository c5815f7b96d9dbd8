package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestUsercode_TheLoginLinksResetAndANewUsercode(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode, _ := j.signedIn(t, "Ada Lovelace", "ada@example.com", "basic")
	d := doc(t, a.get(t, "/en/login/user"))
	if d.Find("#lost-usercode").AttrOr("href", "") != "/en/usercode" {
		t.Error("the login does not link a lost usercode")
	}
	w1, _ := j.login(t, usercode, testPassword, false)
	if doc(t, w1).Find("#forgot-password").AttrOr("href", "") != "/en/reset" {
		t.Error("the password step does not link Reset")
	}
	wantCount(t, doc(t, a.get(t, "/en/reset")), "#lost-usercode", 1)
}

func TestUsercode_ProvingTheAddressIssuesANewUsercodeAndTheOldOneStops(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	old, _ := j.signedIn(t, "Ada Lovelace", "ada@example.com", "basic")
	before := a.mailCount(t)

	wantStatus(t, a.get(t, "/en/usercode"), http.StatusOK)
	// Known and unknown addresses: the same page, byte for byte.
	known := j.post(t, "/en/usercode", url.Values{"email": {"ada@example.com"}})
	unknown := j.post(t, "/en/usercode", url.Values{"email": {"eve@example.com"}})
	flowOf := func(w *httptest.ResponseRecorder) string {
		return doc(t, w).Find(`input[name="flow"]`).AttrOr("value", "")
	}
	sameResponse(t, "code page", known, unknown,
		[]string{flowOf(known), "ada@example.com"}, []string{flowOf(unknown), "eve@example.com"})
	if n := a.mailCount(t) - before; n != 1 {
		t.Fatalf("%d mails, want one (to the registered address only)", n)
	}
	code := a.codeFromMail(t, "ada@example.com")

	w := j.post(t, "/en/usercode/confirm", url.Values{"email": {"ada@example.com"}, "flow": {flowOf(known)}, "code": {"000000"}})
	if code != "000000" {
		wantStatus(t, w, http.StatusBadRequest)
		wantText(t, doc(t, w).Find("#form-error"), "code is wrong")
	}
	w = j.post(t, "/en/usercode/confirm", url.Values{"email": {"ada@example.com"}, "flow": {flowOf(known)}, "code": {code}})
	wantStatus(t, w, http.StatusOK)
	fresh := strings.TrimSpace(doc(t, w).Find("#issued-usercodes code").Text())
	if fresh == "" || fresh == old {
		t.Fatalf("new usercode %q", fresh)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Error("the new usercode's page may be cached")
	}

	_, w2 := j.login(t, old, testPassword, false)
	wantStatus(t, w2, http.StatusForbidden)
	w1, w2 := j.login(t, fresh, testPassword, false)
	wantCount(t, doc(t, w1), "#phrase-new-usercode", 1)
	wantStatus(t, w2, http.StatusOK)
	wantText(t, doc(t, w2).Find("#account-name"), "Ada Lovelace")
	w1, _ = j.login(t, fresh, testPassword, false)
	wantText(t, doc(t, w1).Find("#phrase"), "silver otter hums")
	j.checkSecretsStayOut(t, fresh, old)
}
