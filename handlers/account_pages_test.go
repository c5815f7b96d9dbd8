package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
)

// Without a cookie, My account says that only its buttons keep the session,
// and offers them as POST forms carrying the token; with 1-Click it does not.
func TestAccountPages_CookielessModeSaysSoAndOffersButtons(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	_, token := j.signedIn(t, "Ada Lovelace", "ada@example.com", "basic")
	w := j.post(t, "/en/account", url.Values{"token": {token}})
	d := doc(t, w)
	wantText(t, d.Find("#cookieless"), "links and reload sign you out of this view")
	forms := d.Find("#cookieless form")
	if forms.Length() < 2 {
		t.Fatalf("%d buttons to move on", forms.Length())
	}
	forms.Each(func(_ int, f *goquery.Selection) {
		if f.AttrOr("method", "") != "post" || f.Find(`input[name="token"]`).AttrOr("value", "") != token {
			t.Errorf("a way to move on that drops the session: %s", f.AttrOr("action", ""))
		}
	})
	wantCount(t, d, `#cookieless form[action="/en/support/new"]`, 1)

	// The table of contents: one link per section, each to an element of the page.
	links := wantCount(t, d, "#account-toc a", 9)
	links.Each(func(_ int, l *goquery.Selection) {
		id := strings.TrimPrefix(l.AttrOr("href", ""), "#")
		if id == "" || d.Find("#"+id).Length() != 1 {
			t.Errorf("the contents link %q leads nowhere", l.AttrOr("href", ""))
		}
	})

	// With 1-Click: no such note.
	j.post(t, "/en/register", url.Values{"name": {"Bob Builder"}, "email": {"bob@example.com"}, "language": {"en"}, "type": {"basic"}})
	usercode := a.mailedTo(t, "bob@example.com", `\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b`, "usercode")
	w = j.activate(t, usercode, "amber falcon sings", true)
	cookie := ""
	for _, c := range w.Result().Cookies() {
		cookie = c.Name + "=" + c.Value
	}
	d = doc(t, a.get(t, "/en/account", "Cookie", cookie))
	wantCount(t, d, "#account-toc", 1)
	if d.Find("#cookieless").Length() != 0 {
		t.Error("a 1-Click session is told it has no cookie")
	}
}

// Sessions show a readable device, and the database keeps only that; times
// carry their instant for the browser's time zone.
func TestAccountPages_SessionsShowADeviceAndALocalTime(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	const ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w := j.post(t, "/en/login/user", url.Values{"usercode": {usercode}}, "User-Agent", ua)
	d := doc(t, w)
	w = j.post(t, "/en/login/user/activate", url.Values{"usercode": {usercode}, "oneclick": {"off"}, "password": {testPassword},
		"phrase": {d.Find(`input[name="phrase"]`).First().AttrOr("value", "")}}, "User-Agent", ua)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find(".sessions li"), "Firefox on Linux")
	if strings.Contains(d.Find(".sessions").Text(), "Mozilla") {
		t.Error("the raw User-Agent is shown")
	}
	tm := d.Find(".sessions time[data-local-time]")
	if tm.Length() != 1 || !strings.HasSuffix(tm.AttrOr("datetime", ""), "Z") || !strings.Contains(tm.Text(), "UTC") {
		t.Errorf("session time: %q %q", tm.AttrOr("datetime", ""), tm.Text())
	}
	var label string
	if err := a.db.Read.QueryRowContext(context.Background(), `SELECT label FROM account_sessions`).Scan(&label); err != nil || label != "Firefox|Linux" {
		t.Errorf("stored label %q, %v", label, err)
	}
}

// The login types differ: each says where it leads; staff starts without
// 1-Click; a 1-Click login lands on the chosen type's place.
func TestAccountPages_TheLoginTypeMatters(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	d := doc(t, a.get(t, "/en/login"))
	wantText(t, d.Find(".choices"), "you land on the ticket desk")
	d = doc(t, a.get(t, "/en/login/staff"))
	if _, on := d.Find(`input[name="oneclick"]`).Attr("checked"); on {
		t.Error("the staff login starts with 1-Click on")
	}
	wantText(t, d.Find("#login-kind-after"), "shared desk computer")
	if d.Find(`input[name="kind"]`).AttrOr("value", "") != "staff" {
		t.Error("the staff login does not carry its type")
	}
	d = doc(t, a.get(t, "/en/login/user"))
	if _, on := d.Find(`input[name="oneclick"]`).Attr("checked"); !on {
		t.Error("the user login starts with 1-Click off")
	}
	d = doc(t, a.get(t, "/en/register"))
	wantText(t, d.Find("#reg-type-premium"), "recovery record")
	wantText(t, d.Find("#reg-type-basic"), "Reset Account")

	usercode, err := a.accounts.CreateStaff(context.Background(), accounts.Agent, "Abe Agent", "abe@example.com")
	if err != nil {
		t.Fatal(err)
	}
	j := &journey{a: a}
	w := j.post(t, "/en/login/user", url.Values{"usercode": {string(usercode)}, "oneclick": {"on"}, "kind": {"staff"}})
	d = doc(t, w)
	if d.Find(`input[name="kind"]`).AttrOr("value", "") != "staff" {
		t.Fatal("the first login lost the login type")
	}
	w = j.post(t, "/en/login/user/activate", url.Values{"usercode": {string(usercode)}, "oneclick": {"on"}, "kind": {"staff"},
		"password": {testPassword}, "phrase": {d.Find(`input[name="phrase"]`).First().AttrOr("value", "")}})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/en/desk" {
		t.Errorf("a staff login lands on %q", loc)
	}
	// A user account through the manager type lands on My account.
	user := j.register(t, "Uma User", "uma@example.com")
	w = j.post(t, "/en/login/user", url.Values{"usercode": {user}, "oneclick": {"on"}, "kind": {"manager"}})
	d = doc(t, w)
	w = j.post(t, "/en/login/user/activate", url.Values{"usercode": {user}, "oneclick": {"on"}, "kind": {"manager"},
		"password": {testPassword}, "phrase": {d.Find(`input[name="phrase"]`).First().AttrOr("value", "")}})
	if loc := w.Header().Get("Location"); loc != "/en/account" {
		t.Errorf("a user through the manager login lands on %q", loc)
	}
}
