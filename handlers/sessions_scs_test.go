package handlers

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Sessions on scs (issue 12): the cookie scs writes, fixation, replay,
// concurrency, and no cookie for anybody who did not ask for one.

// TestSessionCookie_AttributesOverHTTPAndTrustedTLSProxy logs in with
// 1-Click over plain HTTP, direct TLS, https at a trusted proxy, and a client
// that only claims https: exactly one cookie, HttpOnly, SameSite=Lax, Path=/,
// no Expires or Max-Age (Persist off), and Secure with the __Host- name
// exactly when the connection is known to be HTTPS.
func TestSessionCookie_AttributesOverHTTPAndTrustedTLSProxy(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	_, proxies, _ := net.ParseCIDR("10.0.0.0/8")
	a.h.TrustedProxies = append(a.h.TrustedProxies, proxies)
	j := &journey{a: a}
	usercode := j.register(t, "Grace Hopper", "grace@example.com")
	wantStatus(t, j.activate(t, usercode, "amber falcon sings", false), http.StatusOK)
	for i, tc := range []struct {
		name   string
		tls    bool
		remote string
		proto  string
		secure bool
	}{
		{"plain HTTP", false, "203.0.113.9:5555", "", false},
		{"direct TLS", true, "203.0.113.10:5555", "", true},
		{"https at a trusted proxy", false, "10.1.2.3:5555", "https", true},
		{"http at a trusted proxy", false, "10.1.2.4:5555", "http", false},
		{"a client claiming https", false, "203.0.113.11:5555", "https", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/en/login/user/password",
				strings.NewReader(url.Values{"usercode": {usercode}, "oneclick": {"on"}, "password": {testPassword}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Sec-Fetch-Site", "same-origin")
			r.RemoteAddr = tc.remote
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tc.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			w := a.do(t, r)
			wantStatus(t, w, http.StatusSeeOther)
			raw := w.Header().Values("Set-Cookie")
			if len(raw) != 1 {
				t.Fatalf("Set-Cookie %v, want exactly one", raw)
			}
			c := w.Result().Cookies()[0]
			name := "zd"
			if tc.secure {
				name = "__Host-zd"
			}
			low := strings.ToLower(raw[0])
			if c.Name != name || c.Secure != tc.secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" ||
				c.Domain != "" || strings.Contains(low, "expires") || strings.Contains(low, "max-age") || len(c.Value) != 43 {
				t.Fatalf("cookie %q (case %d)", raw[0], i)
			}
			// The cookie opens My account on the same kind of connection.
			g := httptest.NewRequest(http.MethodGet, "/en/account", nil)
			g.RemoteAddr, g.TLS = r.RemoteAddr, r.TLS
			if tc.proto != "" {
				g.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			g.Header.Set("Cookie", c.Name+"="+c.Value)
			wg := a.do(t, g)
			wantStatus(t, wg, http.StatusOK)
			if got := wg.Header().Values("Set-Cookie"); len(got) != 0 {
				t.Errorf("a signed-in page sent Set-Cookie %v", got)
			}
		})
	}
}

// oneClickCookie logs usercode in with 1-Click and returns "name=value".
func oneClickCookie(t *testing.T, j *journey, usercode string, headers ...string) string {
	t.Helper()
	_, w := j.login(t, usercode, testPassword, true, headers...)
	wantStatus(t, w, http.StatusSeeOther)
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("login set %d cookies", len(cs))
	}
	return cs[0].Name + "=" + cs[0].Value
}

// TestSessionFixation_LoginReplacesAPlantedCookie: a token an attacker knows
// (the cookie of their own session, planted in the victim's browser) is not
// the victim's session after login: login renews the token and ends the old.
func TestSessionFixation_LoginReplacesAPlantedCookie(t *testing.T) {
	t.Parallel()
	j, usercode, _ := adaAtMyAccount(t)
	planted := oneClickCookie(t, j, usercode)
	after := oneClickCookie(t, j, usercode, "Cookie", planted)
	if after == planted {
		t.Fatal("login kept the token the browser brought")
	}
	wantStatus(t, j.get(t, "/en/account", "Cookie", planted), http.StatusForbidden)
	wantStatus(t, j.get(t, "/en/account", "Cookie", after), http.StatusOK)
	// Without 1-Click: the token in the form before login dies as well.
	w := j.post(t, "/en/login/user/password", url.Values{"usercode": {usercode}, "password": {testPassword}}, "Cookie", after)
	wantStatus(t, w, http.StatusOK)
	fresh := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	if fresh == "" || "zd="+fresh == after {
		t.Fatal("the cookie-less login did not start a new token")
	}
	wantStatus(t, j.get(t, "/en/account", "Cookie", after), http.StatusForbidden)
}

// TestSessionFixation_TokenChangesOnPasswordChange: a credential change
// renews the token (RenewToken) for 1-Click and cookie-less sessions alike;
// the old token is dead.
func TestSessionFixation_TokenChangesOnPasswordChange(t *testing.T) {
	t.Parallel()
	j, usercode, w := adaAtMyAccount(t)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	w = j.post(t, "/en/account/password", url.Values{"token": {token}, "current": {testPassword}, "next": {"quiet meadow lantern 92 drifts"}})
	wantStatus(t, w, http.StatusOK)
	renewed := doc(t, w).Find(`form[action="/en/account/logout"] input[name="token"]`).First().AttrOr("value", "")
	if renewed == "" || renewed == token || len(w.Header().Values("Set-Cookie")) != 0 {
		t.Fatalf("cookie-less password change: token %q → %q, Set-Cookie %v", token, renewed, w.Header().Values("Set-Cookie"))
	}
	wantStatus(t, j.post(t, "/en/account", url.Values{"token": {token}}), http.StatusForbidden)
	wantStatus(t, j.post(t, "/en/account", url.Values{"token": {renewed}}), http.StatusOK)

	_, w2 := j.login(t, usercode, "quiet meadow lantern 92 drifts", true)
	cs := w2.Result().Cookies()
	old := cs[0].Name + "=" + cs[0].Value
	w = j.post(t, "/en/account/password", url.Values{"current": {"quiet meadow lantern 92 drifts"}, "next": {testPassword}}, "Cookie", old)
	wantStatus(t, w, http.StatusOK)
	nc := w.Result().Cookies()
	if len(nc) != 1 || nc[0].Name+"="+nc[0].Value == old || nc[0].Value == "" {
		t.Fatalf("1-Click password change: Set-Cookie %v", w.Header().Values("Set-Cookie"))
	}
	wantText(t, doc(t, w).Find("#account-name"), "Ada Lovelace") // the frame shows the renewed session
	wantStatus(t, j.get(t, "/en/account", "Cookie", old), http.StatusForbidden)
	wantStatus(t, j.get(t, "/en/account", "Cookie", nc[0].Name+"="+nc[0].Value), http.StatusOK)
}

// TestSessionReplay_AfterLogoutFails replays a 1-Click cookie and a form
// token after their logout: both are dead, and the visitor pages stay
// cookie-free.
func TestSessionReplay_AfterLogoutFails(t *testing.T) {
	t.Parallel()
	j, usercode, w := adaAtMyAccount(t)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	wantStatus(t, j.post(t, "/en/account/logout", url.Values{"token": {token}}), http.StatusOK)
	for range 2 {
		wantStatus(t, j.post(t, "/en/account", url.Values{"token": {token}}), http.StatusForbidden)
		wantStatus(t, j.get(t, "/en/account", "Cookie", "zd="+token), http.StatusForbidden)
	}
	cookie := oneClickCookie(t, j, usercode)
	out := j.post(t, "/en/account/logout", nil, "Cookie", cookie)
	wantStatus(t, out, http.StatusOK)
	if del := out.Result().Cookies(); len(del) != 1 || del[0].Value != "" || del[0].MaxAge >= 0 {
		t.Fatalf("logout did not delete the cookie: %v", out.Header().Values("Set-Cookie"))
	}
	wantStatus(t, j.get(t, "/en/account", "Cookie", cookie), http.StatusForbidden)
	wantStatus(t, j.post(t, "/en/account", url.Values{"token": {strings.TrimPrefix(cookie, "zd=")}}), http.StatusForbidden)
}

// TestSession_TwoConcurrentRequestsOnOneSession sends requests of one
// session at once, pages and changes: every one is served, and the session
// lives on with one index line.
func TestSession_TwoConcurrentRequestsOnOneSession(t *testing.T) {
	t.Parallel()
	j, usercode, _ := adaAtMyAccount(t)
	cookie := oneClickCookie(t, j, usercode)
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				codes[i] = j.a.get(t, "/en/account", "Cookie", cookie).Code
			} else {
				codes[i] = j.a.post(t, "/en/account/profile", url.Values{"name": {fmt.Sprintf("Ada %d", i)}, "language": {"en"}}, "Cookie", cookie).Code
			}
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("request %d: %d", i, c)
		}
	}
	wantStatus(t, j.get(t, "/en/account", "Cookie", cookie), http.StatusOK)
	var n int
	if err := j.a.db.Read.QueryRowContext(context.Background(), `SELECT count(*) FROM account_sessions x JOIN sessions s ON s.token = x.token_hash`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d live index lines (the first login's and this one), %v", n, err)
	}
}

// TestAnonymousVisitor_NoCookieOnAnyRoute sends a visitor's GET, and a POST
// with an empty form, to every route of the route table: scs writes a cookie
// only for a session someone signed in to, so none answers with Set-Cookie,
// and no session row appears.
func TestAnonymousVisitor_NoCookieOnAnyRoute(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	n := 0
	for i, r := range a.e.Routes() {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			continue
		}
		n++
		path := concrete(r.Path)
		var req *http.Request
		if r.Method == http.MethodPost {
			req = httptest.NewRequest(http.MethodPost, path, strings.NewReader(""))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		} else {
			req = httptest.NewRequest(http.MethodGet, path, nil)
		}
		req.RemoteAddr = fmt.Sprintf("203.0.113.%d:4000", i%250+1)
		w := a.do(t, req)
		if c := w.Header().Values("Set-Cookie"); len(c) > 0 {
			t.Errorf("%s %s set a cookie: %v", r.Method, path, c)
		}
	}
	if n < 40 {
		t.Fatalf("only %d routes", n)
	}
	var rows int
	if err := a.db.Read.QueryRow(`SELECT count(*) FROM sessions`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d session rows after visitors only (%v)", rows, err)
	}
}

// The one manager's cookie settings are the safe ones.
func TestSessionManager_SafeSettings(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	m := a.accounts.SessionManager()
	if !m.HashTokenInStore || m.Cookie.Persist || !m.Cookie.HttpOnly || m.Cookie.SameSite != http.SameSiteLaxMode ||
		m.IdleTimeout.Minutes() != 30 || m.Lifetime.Hours() != 12 {
		t.Fatalf("manager settings: %+v", m)
	}
}

// TestFrame_SessionEndedByTheHandlerShowsTheVisitorsFrame: the frame reuses
// the session the handler loaded, but never one the handler has ended ("sign
// out everywhere", account deletion), with either session style.
func TestFrame_SessionEndedByTheHandlerShowsTheVisitorsFrame(t *testing.T) {
	t.Parallel()
	j, usercode, w := adaAtMyAccount(t)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	d := doc(t, j.post(t, "/en/account/signout-everywhere", url.Values{"token": {token}}))
	wantCount(t, d, "header .account-bar .login-link", 1)
	if d.Find(".signed-in").Length() != 0 || d.Find(`input[name="token"]`).Length() != 0 {
		t.Error("after signing out everywhere (cookie-less), the frame still shows the session")
	}
	cookie := oneClickCookie(t, j, usercode)
	d = doc(t, j.post(t, "/en/account/signout-everywhere", nil, "Cookie", cookie))
	wantCount(t, d, "header .account-bar .login-link", 1)
	if d.Find(".signed-in").Length() != 0 {
		t.Error("after signing out everywhere (1-Click), the frame still shows the session")
	}
	cookie = oneClickCookie(t, j, usercode)
	d = doc(t, j.post(t, "/en/account/delete", url.Values{"password": {testPassword}, "confirm": {"yes"}}, "Cookie", cookie))
	if d.Find(".signed-in").Length() != 0 {
		t.Error("after deleting the account, the frame still shows the session")
	}
}
