package handlers

import (
	"net/http"
	"net/url"
	"testing"
)

func TestAccounts_SignOutEverywhereEndsEverySession(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Barbara Liskov", "barbara@example.com")
	first := doc(t, j.activate(t, usercode, "amber falcon sings", false)).Find(`input[name="token"]`).First().AttrOr("value", "")
	_, w := j.login(t, usercode, testPassword, false)
	second := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	wantStatus(t, j.post(t, "/en/account/signout-everywhere", url.Values{"token": {second}}), http.StatusOK)
	for _, tok := range []string{first, second} {
		wantStatus(t, j.post(t, "/en/account", url.Values{"token": {tok}}), http.StatusForbidden)
	}
}

func TestAccounts_AccountWithoutSessionGoesToLogin(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/en/account")
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/en/login/user" {
		t.Fatalf("Location = %q", loc)
	}
}

func TestAccounts_LoginRenewsTheSessionAndAStaleCookieIsDeleted(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Katherine Johnson", "kj@example.com")
	w := j.activate(t, usercode, "amber falcon sings", true)
	old := w.Result().Cookies()[0].Value
	// Logging in again while holding the cookie ends the old session.
	_, w = j.login(t, usercode, testPassword, true, "Cookie", "zd="+old)
	wantStatus(t, w, http.StatusSeeOther)
	fresh := w.Result().Cookies()[0].Value
	if fresh == old {
		t.Fatal("the session token was not renewed")
	}
	w = a.get(t, "/en/account", "Cookie", "zd="+old)
	wantStatus(t, w, http.StatusForbidden)
	if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("the stale cookie was not deleted: %v", w.Header().Values("Set-Cookie"))
	}
	wantStatus(t, a.get(t, "/en/account", "Cookie", "zd="+fresh), http.StatusOK)
}

func TestAccounts_EndOneSessionFromTheList(t *testing.T) {
	t.Parallel()
	j, usercode, w := adaAtMyAccount(t)
	wantStatus(t, w, http.StatusOK)
	token1 := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	_, w2 := j.login(t, usercode, testPassword, false)
	wantStatus(t, w2, http.StatusOK)
	d := doc(t, w2)
	token2 := d.Find(`input[name="token"]`).First().AttrOr("value", "")
	// Only the other session has an end button.
	forms := d.Find(`form[action="/en/account/session/end"]`)
	if forms.Length() != 1 {
		t.Fatalf("%d end-session forms, want 1 (not for the current session)", forms.Length())
	}
	id := forms.Find(`input[name="session"]`).AttrOr("value", "")
	w = j.post(t, "/en/account/session/end", url.Values{"token": {token2}, "session": {id}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find(".notice"), "The session was ended")
	if n := d.Find(".sessions li").Length(); n != 1 {
		t.Errorf("%d sessions listed after ending one, want 1", n)
	}
	w = j.post(t, "/en/account", url.Values{"token": {token1}})
	wantStatus(t, w, http.StatusForbidden)
	w = j.post(t, "/en/account", url.Values{"token": {token2}})
	wantStatus(t, w, http.StatusOK)
	// The current session is not ended by its own id: that is signing out.
	current := doc(t, w).Find(`form[action="/en/account/session/end"]`).Length()
	if current != 0 {
		t.Errorf("the only session left has an end button")
	}
	// The GET of the POST-only address leads back without ending anything.
	w = j.get(t, "/en/account/session/end")
	if w.Code != http.StatusSeeOther {
		t.Errorf("GET /account/session/end: %d", w.Code)
	}
	j.checkSecretsStayOut(t, usercode, token1, token2)
}
