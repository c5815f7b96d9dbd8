package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"zerodesk/internal/accounts"
)

func TestDesk_GuestsAndCustomersAreRefused(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.get(t, "/en/desk")
	wantStatus(t, w, http.StatusForbidden)
	d := doc(t, w)
	wantText(t, d.Find("#form-error"), "Sign in as support staff")
	wantCount(t, d, `form[action="/en/login/user"] input[name="usercode"]`, 1)
	wantText(t, d.Find("#login-kind"), "Support staff")

	// A token that is no session's: the login, saying the session ended.
	w = a.post(t, "/en/desk", url.Values{"token": {"not-a-session"}})
	wantStatus(t, w, http.StatusForbidden)
	wantCount(t, doc(t, w), `form[action="/en/login/user"]`, 1)

	// A signed-in customer, both ways.
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w = j.activate(t, usercode, "amber falcon sings", true)
	wantStatus(t, w, http.StatusSeeOther)
	cookie := w.Result().Cookies()[0]
	w = a.get(t, "/en/desk", "Cookie", cookie.Name+"="+cookie.Value)
	wantStatus(t, w, http.StatusForbidden)
	wantText(t, doc(t, w).Find("main"), "for support staff only")
	for _, path := range []string{"/en/desk/topics", "/en/desk/outbox", "/en/desk/poll"} {
		wantStatus(t, a.get(t, path, "Cookie", cookie.Name+"="+cookie.Value), http.StatusForbidden)
	}

	// An agent is not an admin.
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	wantStatus(t, agent.open(t, "/en/desk", nil), http.StatusOK)
	for _, path := range []string{"/en/desk/topics", "/en/desk/canned", "/en/desk/outbox"} {
		w := agent.open(t, path, nil)
		wantStatus(t, w, http.StatusForbidden)
		wantText(t, doc(t, w).Find("main"), "Only administrators")
	}
	if doc(t, agent.open(t, "/en/desk", nil)).Find(`a[href="/en/desk/topics"]`).Length() != 0 {
		t.Error("an agent's menu offers the admins' pages")
	}
}

func TestDesk_MyAccountLeadsStaffToTheDesk(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, oneClick := range []bool{true, false} {
		email := "grace" + strconv.FormatBool(oneClick) + "@example.com"
		agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", email, oneClick)
		var w *httptest.ResponseRecorder
		if oneClick {
			w = a.get(t, "/en/account", "Cookie", agent.cookie)
		} else {
			w = agent.send(t, "/en/account", nil)
		}
		wantStatus(t, w, http.StatusOK)
		d := doc(t, w)
		wantText(t, d.Find("#desk-entry"), "Open the ticket desk")
		if oneClick {
			wantCount(t, d, `#desk-entry a[href="/en/desk"]`, 1)
		} else {
			wantCount(t, d, `#desk-entry form[action="/en/desk"][method="post"] input[name="token"]`, 1)
		}
	}
}
