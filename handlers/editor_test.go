package handlers

import (
	"net/http"
	"net/url"
	"testing"

	"zerodesk/internal/accounts"
)

// editorChanges are the room's POST-only addresses every role test sends.
var editorChanges = []string{"/en/editor/save", "/en/editor/preview", "/en/editor/slug", "/en/editor/slug/propose",
	"/en/editor/autosave", "/en/editor/articles/1/en/publish", "/en/editor/articles/1/en/restore"}

// editorPaths are pages of the editor's room every role test walks.
var editorPaths = []string{"/en/editor", "/en/editor/articles", "/en/editor/new", "/en/editor/articles/1/en", "/en/editor/articles/1/en/history"}

// The room refuses every role but editor and admin, and guests: no session
// is the staff login, another role a 403 page, a token that is no longer a
// session (a replay after logout) the staff login again.
func TestEditor_RefusesEveryOtherRoleAndGuests(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, path := range editorPaths {
		w := a.get(t, path)
		wantStatus(t, w, http.StatusForbidden)
		d := doc(t, w)
		wantText(t, d.Find("#form-error"), "editor's room")
		wantCount(t, d, `form[action="/en/login/user"] input[name="usercode"]`, 1)
		w = a.post(t, path, url.Values{"token": {"not-a-session"}})
		wantStatus(t, w, http.StatusForbidden)
		wantCount(t, doc(t, w), `form[action="/en/login/user"]`, 1)
	}

	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w := j.activate(t, usercode, "amber falcon sings", true)
	wantStatus(t, w, http.StatusSeeOther)
	cookie := w.Result().Cookies()[0]
	user := &deskAgent{a: a, cookie: cookie.Name + "=" + cookie.Value}
	others := map[string]*deskAgent{
		"user":                  user,
		"manager":               signInStaff(t, a, accounts.Manager, "Mia Manager", "mia@example.com", true),
		"agent":                 signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true),
		"agent without 1-Click": signInStaff(t, a, accounts.Agent, "Alan Turing", "alan@example.com", false),
	}
	change := url.Values{"article": {"1"}, "base": {"0"}, "lang": {"en"}, "title": {"Hijack"}, "body": {"x"},
		"category": {"faq"}, "action": {"publish"}, "revision": {"1"}}
	for _, path := range editorChanges {
		wantStatus(t, a.post(t, path, change), http.StatusForbidden)
	}
	for who, p := range others {
		for _, path := range editorChanges {
			if w := p.send(t, path, change); w.Code != http.StatusForbidden {
				t.Errorf("%s got %d on POST %s", who, w.Code, path)
			}
		}
		for _, path := range editorPaths {
			w := p.open(t, path, nil)
			if w.Code != http.StatusForbidden {
				t.Errorf("%s got %d on %s", who, w.Code, path)
				continue
			}
			wantText(t, doc(t, w).Find("main"), "Only editors and administrators")
		}
	}
}

func TestEditor_EditorsAndAdminsGetInBothSessionStyles(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, who := range []struct {
		role     accounts.Role
		email    string
		oneClick bool
	}{
		{accounts.Editor, "eda@example.com", true},
		{accounts.Editor, "edb@example.com", false},
		{accounts.Admin, "adm@example.com", true},
	} {
		e := signInStaff(t, a, who.role, "Eda Editor", who.email, who.oneClick)
		w := e.open(t, "/en/editor", nil)
		wantStatus(t, w, http.StatusOK)
		d := doc(t, w)
		wantText(t, d.Find("main h1"), "Editor's room")
		wantCount(t, d, `nav[aria-label="Editor's room menu"]`, 1)
		if who.oneClick {
			wantCount(t, d, `nav[aria-label="Editor's room menu"] a[href="/en/editor"][aria-current="page"]`, 1)
			wantCount(t, d, `a.editor-link[href="/en/editor"]`, 1)
		} else {
			wantCount(t, d, `nav[aria-label="Editor's room menu"] form[action="/en/editor"][method="post"] input[name="token"]`, 1)
		}
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q", w.Header().Get("Cache-Control"))
		}
	}

	// Logout ends the session: replaying its token is refused.
	e := signInStaff(t, a, accounts.Editor, "Eda Editor", "edc@example.com", false)
	wantStatus(t, e.send(t, "/en/account/logout", nil), http.StatusOK)
	w := e.send(t, "/en/editor", nil)
	wantStatus(t, w, http.StatusForbidden)
	wantCount(t, doc(t, w), `form[action="/en/login/user"]`, 1)
}

// A staff login of an editor lands in the room (of an agent, at the desk).
func TestEditor_StaffLoginLandsInTheRoom(t *testing.T) {
	t.Parallel()
	if got := landing("staff", accounts.Editor); got != "/editor" {
		t.Errorf("editor lands on %q", got)
	}
	if got := landing("staff", accounts.Admin); got != "/desk" {
		t.Errorf("admin lands on %q", got)
	}
	if got := landing("user", accounts.Editor); got != "/account" {
		t.Errorf("editor by the user login lands on %q", got)
	}
}
