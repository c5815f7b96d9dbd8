package handlers

import (
	"crypto/tls"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"zerodesk/internal/accounts"
	"zerodesk/internal/testsupport"
)

func TestAccounts_RegisterFirstLoginAndLoginWithout1ClickSetNoCookie(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	j.get(t, "/en/register")
	j.get(t, "/en/login/user")
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")

	w := j.activate(t, usercode, "silver otter hums", false)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find("#account-name"), "Ada Lovelace")
	token := d.Find(`form[action="/en/account/logout"] input[name="token"]`).AttrOr("value", "")
	if token == "" {
		t.Fatal("the account page of a cookie-less session has no token field")
	}
	if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("account page headers: Cache-Control %q, Referrer-Policy %q", w.Header().Get("Cache-Control"), w.Header().Get("Referrer-Policy"))
	}

	// Log in again: the phrase shows, then the password opens My account.
	w1, w2 := j.login(t, strings.ToLower(strings.ReplaceAll(usercode, "-", "")), testPassword, false)
	wantText(t, doc(t, w1).Find("#phrase"), "silver otter hums")
	wantStatus(t, w2, http.StatusOK)
	d = doc(t, w2)
	wantText(t, d.Find("#account-name"), "Ada Lovelace")
	token2 := d.Find(`input[name="token"]`).First().AttrOr("value", "")
	// My account by POST, the list of sessions shows both.
	w = j.post(t, "/en/account", url.Values{"token": {token2}})
	wantStatus(t, w, http.StatusOK)
	if n := doc(t, w).Find(".sessions li").Length(); n != 2 {
		t.Errorf("%d sessions listed, want 2", n)
	}
	// Password change: ends the other session.
	w = j.post(t, "/en/account/password", url.Values{"token": {token2}, "current": {testPassword}, "next": {"quiet meadow lantern 92 drifts"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find(".notice"), "password was changed")
	w = j.post(t, "/en/account", url.Values{"token": {token}})
	wantStatus(t, w, http.StatusForbidden)
	// Logout, then the token is dead.
	w = j.post(t, "/en/account/logout", url.Values{"token": {token2}})
	wantStatus(t, w, http.StatusOK)
	w = j.post(t, "/en/account", url.Values{"token": {token2}})
	wantStatus(t, w, http.StatusForbidden)
	wantText(t, doc(t, w).Find("#form-error"), "Your session has ended")

	for i, w := range j.responses {
		if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("response %d sets a cookie without 1-Click: %v", i, sc)
		}
	}
	j.checkSecretsStayOut(t, usercode, strings.ReplaceAll(usercode, "-", ""), testPassword, "silver otter hums", token, token2)
}

func TestAccounts_1ClickSetsExactlyOneSessionCookie(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		tls    bool
		cookie string
	}{{"plain", false, "zd"}, {"tls", true, "__Host-zd"}} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			j := &journey{a: a}
			usercode := j.register(t, "Grace Hopper", "grace@example.com")
			activated := j.activate(t, usercode, "amber falcon sings", true)
			wantStatus(t, activated, http.StatusSeeOther)
			if loc := activated.Header().Get("Location"); loc != "/en/account" {
				t.Fatalf("Location = %q", loc)
			}

			var w2 *httptest.ResponseRecorder
			if tc.tls {
				r := httptest.NewRequest(http.MethodPost, "https://example.com/en/login/user/password",
					strings.NewReader(url.Values{"usercode": {usercode}, "oneclick": {"on"}, "password": {testPassword}}.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Sec-Fetch-Site", "same-origin")
				r.TLS = &tls.ConnectionState{}
				w2 = a.do(t, r)
			} else {
				_, w2 = j.login(t, usercode, testPassword, true)
			}
			wantStatus(t, w2, http.StatusSeeOther)
			cookies := w2.Result().Cookies()
			if len(cookies) != 1 || len(w2.Header().Values("Set-Cookie")) != 1 {
				t.Fatalf("Set-Cookie: %v, want exactly one", w2.Header().Values("Set-Cookie"))
			}
			c := cookies[0]
			raw := w2.Header().Get("Set-Cookie")
			if c.Name != tc.cookie || c.Path != "/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.tls ||
				strings.Contains(strings.ToLower(raw), "expires") || strings.Contains(strings.ToLower(raw), "max-age") || len(c.Value) != 43 {
				t.Fatalf("cookie %q is not the 1-Click session cookie", raw)
			}
			if tc.tls {
				return
			}
			// The cookie opens My account by GET; logout deletes the session.
			w := a.get(t, "/en/account", "Cookie", "zd="+c.Value)
			wantStatus(t, w, http.StatusOK)
			wantText(t, doc(t, w).Find("#account-name"), "Grace Hopper")
			if doc(t, w).Find(`input[name="token"]`).Length() != 0 {
				t.Error("a 1-Click session's forms carry the token")
			}
			w = a.post(t, "/en/account/logout", nil, "Cookie", "zd="+c.Value)
			wantStatus(t, w, http.StatusOK)
			w = a.get(t, "/en/account", "Cookie", "zd="+c.Value)
			wantStatus(t, w, http.StatusForbidden)
			// A visitor page stays the same with the cookie.
			if a.get(t, "/en/", "Cookie", "zd="+c.Value).Header().Get("Set-Cookie") != "" {
				t.Error("a visitor page set a cookie")
			}
		})
	}
}

var suggestedPhrase = regexp.MustCompile(`name="phrase" value="([a-z]+ [a-z]+ [a-z]+)"`)

func TestAccounts_Step1LooksTheSameForKnownAndUnknownUsercodes(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	known := j.register(t, "Alan Turing", "alan@example.com")
	wantStatus(t, j.activate(t, known, "copper heron drifts", false), http.StatusOK)
	unknown := accounts.NewUsercode().Display()

	wk, _ := j.login(t, known, "wrong password entirely", false)
	wu, _ := j.login(t, unknown, "wrong password entirely", false)
	decoy := doc(t, wu).Find("#phrase").Text()
	if decoy == "" || decoy == "copper heron drifts" {
		t.Fatalf("decoy phrase %q", decoy)
	}
	sk, hk, bk := normalized(wk, known, "copper heron drifts")
	su, hu, bu := normalized(wu, unknown, decoy)
	if sk != su || bk != bu {
		t.Fatalf("step 1 differs: %d vs %d\n%s\n----\n%s", sk, su, bk, bu)
	}
	for k := range hk {
		if !slices.Equal(hk[k], hu[k]) {
			t.Errorf("header %s: %v vs %v", k, hk[k], hu[k])
		}
	}
	if len(hk) != len(hu) {
		t.Errorf("headers differ: %v vs %v", hk, hu)
	}
	// The decoy is stable.
	wu2, _ := j.login(t, unknown, "x", false)
	if got := doc(t, wu2).Find("#phrase").Text(); got != decoy {
		t.Errorf("decoy changed: %q then %q", decoy, got)
	}
}

func TestAccounts_WrongPasswordAndUnknownUsercodeAnswerAlike(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	known := j.register(t, "Alan Turing", "alan@example.com")
	wantStatus(t, j.activate(t, known, "copper heron drifts", false), http.StatusOK)
	unknown := accounts.NewUsercode().Display()
	_, wk := j.login(t, known, "not the password at all", false)
	_, wu := j.login(t, unknown, "not the password at all", false)
	wantStatus(t, wk, http.StatusForbidden)
	sk, hk, bk := normalized(wk)
	su, hu, bu := normalized(wu)
	if sk != su || bk != bu || len(hk) != len(hu) {
		t.Fatalf("wrong password and unknown usercode differ:\n%s\n----\n%s", bk, bu)
	}
	for k := range hk {
		if !slices.Equal(hk[k], hu[k]) {
			t.Errorf("header %s: %v vs %v", k, hk[k], hu[k])
		}
	}
	wantText(t, doc(t, wk).Find("#form-error"), "The usercode or the password is wrong")
	for _, w := range j.responses {
		if len(w.Header().Values("Set-Cookie")) > 0 {
			t.Error("a failed login set a cookie")
		}
	}
}

func TestAccounts_CrossSiteLoginIsRefusedWithoutCookies(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, path := range []string{"/en/login/user", "/en/login/user/password", "/en/register", "/en/account/logout"} {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader("usercode=K7QX-4MPD-9TZR&password=x"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		w := a.do(t, r)
		wantStatus(t, w, http.StatusForbidden)
	}
}

func TestAccounts_FirstLoginShowsTheStrengthAndRefusesWeakPasswords(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Edsger Dijkstra", "ed@example.com")
	w := j.post(t, "/en/login/user/activate", url.Values{"usercode": {usercode}, "oneclick": {"off"}, "password": {"short"}, "check": {"1"}})
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find("#strength"), "not accepted")
	// The refusal says how to fix it, and the check keeps what was typed (a
	// no-store page), so checking never loses input.
	wantText(t, d.Find("#strength-reason"), "5 of at least 12 characters")
	if got := d.Find("#new-password").AttrOr("value", ""); got != "short" {
		t.Errorf("the check lost the typed password: %q", got)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Error("a page holding a typed password may be cached")
	}
	w = j.post(t, "/en/login/user/activate", url.Values{"usercode": {usercode}, "oneclick": {"off"}, "password": {testPassword}, "check": {"1"}})
	wantText(t, doc(t, w).Find("#strength"), "strong")
	// "Other suggestions" keeps the password too and offers new phrases.
	w = j.post(t, "/en/login/user/activate", url.Values{"usercode": {usercode}, "oneclick": {"off"}, "password": {testPassword}, "more": {"1"}})
	d = doc(t, w)
	if d.Find("#new-password").AttrOr("value", "") != testPassword {
		t.Error("other suggestions lost the typed password")
	}
	wantCount(t, d, `input[name="phrase"]`, 3)
	// Activate is the form's first submit button: Enter in the password field runs it.
	first := d.Find(`form[action="/en/login/user/activate"] button[type="submit"], form[action="/en/login/user/activate"] input[type="submit"]`).First()
	if _, named := first.Attr("name"); named || first.Text() != "Activate my account" {
		t.Errorf("the default button is %q (name %v), not Activate", first.Text(), named)
	}
	// A refused activation says why, and does not echo the password.
	w = j.post(t, "/en/login/user/activate", url.Values{"usercode": {usercode}, "oneclick": {"off"}, "password": {"tiny pw"}, "phrase": {"silver otter hums"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "7 of at least 12 characters")
	if d.Find("#new-password").AttrOr("value", "") != "" {
		t.Error("a refused activation echoes the password")
	}
	// The picked phrase is kept as the first choice.
	if v, _ := d.Find(`input[name="phrase"]:checked`).Attr("value"); v != "silver otter hums" {
		t.Errorf("the picked phrase was lost: %q", v)
	}
	w = j.post(t, "/en/login/user/activate", url.Values{"usercode": {usercode}, "oneclick": {"off"}, "password": {"password1234"}, "phrase": {"silver otter hums"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "too common")
	// The account is still pending: the usercode still opens the first login.
	f := url.Values{"usercode": {usercode}}
	w = j.post(t, "/en/login/user", f)
	wantCount(t, doc(t, w), `form[action="/en/login/user/activate"]`, 1)
}

func TestAccounts_InvalidUsercodeAndRegistrationAreExplained(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.post(t, "/en/login/user", url.Values{"usercode": {"nonsense"}, "oneclick": {"on"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "not a valid usercode")
	w = a.post(t, "/de/register", url.Values{"name": {"X"}, "email": {"not an address"}, "language": {"de"}, "type": {"basic"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "gültige E-Mail-Adresse")
}

func TestAccounts_RegisterIsRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.h.AccountLimit = 2
	a.e = a.h.Echo()
	var last *httptest.ResponseRecorder
	for range 3 {
		last = a.post(t, "/en/register", url.Values{"name": {"X"}, "email": {"x@example.com"}, "language": {"en"}, "type": {"basic"}})
	}
	wantStatus(t, last, http.StatusTooManyRequests)
}

func TestAccounts_PostOnlyStepsReachedByGETLeadBackToTheLogin(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, p := range []string{"/fr/login/user/password", "/fr/login/user/activate", "/fr/account", "/fr/account/password"} {
		w := a.get(t, p)
		wantStatus(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != "/fr/login/user" {
			t.Errorf("%s: Location = %q", p, loc)
		}
	}
}

func TestAccounts_TheWelcomeMailIsInTheChosenLanguage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.post(t, "/en/register", url.Values{"name": {"Émilie du Châtelet"}, "email": {"emilie@example.com"}, "language": {"fr"}, "type": {"premium"}})
	wantStatus(t, w, http.StatusOK)
	usercode := a.usercodeFromMail(t)
	m, err := netmail.ReadMessage(strings.NewReader(testsupport.MailFiles(t, a.mailDir)[0]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	if !strings.Contains(subject, "Votre code utilisateur") || !strings.Contains(string(body), "Bonjour,") || strings.Contains(string(body), "Émilie") ||
		!strings.Contains(string(body), usercode) {
		t.Errorf("the welcome mail is not in French:\n%s\n%s", subject, body)
	}
}

func TestAccounts_Step1IsRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.h.AccountLimit = 3
	a.e = a.h.Echo()
	code := accounts.NewUsercode().Display()
	for i := range 4 {
		w := a.post(t, "/en/login/user", url.Values{"usercode": {code}})
		if i < 3 {
			wantStatus(t, w, http.StatusOK)
		} else {
			wantStatus(t, w, http.StatusTooManyRequests)
		}
	}
	// Another address is not affected.
	r := httptest.NewRequest(http.MethodPost, "/en/login/user", strings.NewReader("usercode="+code))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.RemoteAddr = "203.0.113.9:5555"
	wantStatus(t, a.do(t, r), http.StatusOK)
}

func TestAccounts_ManagerAndStaffLoginLeadToTheTwoStepLogin(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, kind := range []string{"manager", "staff"} {
		w := a.get(t, "/en/login/"+kind)
		wantStatus(t, w, http.StatusOK)
		d := doc(t, w)
		wantCount(t, d, `form[action="/en/login/user"] input[name="usercode"]`, 1)
		wantCount(t, d, `form[action="/en/login/user"] input[name="oneclick"]`, 1)
		if kind == "staff" {
			wantText(t, d.Find("#login-kind"), "Support staff")
		} else {
			wantText(t, d.Find("#login-kind"), "Account manager")
		}
	}
	wantStatus(t, a.get(t, "/en/login/nobody"), http.StatusOK) // still the "coming" page
}
