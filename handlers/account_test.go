package handlers

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
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
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp/totp"

	"zerodesk/internal/accounts"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
)

const testPassword = "violet harbour kettle 47 sings"

// journey records every response of an account journey, so a test can check
// what none of them may carry.
type journey struct {
	a         *testApp
	responses []*httptest.ResponseRecorder
}

func (j *journey) post(t *testing.T, path string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	w := j.a.post(t, path, form, headers...)
	j.responses = append(j.responses, w)
	return w
}

func (j *journey) get(t *testing.T, path string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	w := j.a.get(t, path, headers...)
	j.responses = append(j.responses, w)
	return w
}

// usercodeFromMail delivers the outbox and reads the usercode from the newest
// .eml in the mail directory.
func (a *testApp) usercodeFromMail(t testing.TB) string {
	t.Helper()
	if _, err := a.outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	mails := testsupport.MailFiles(t, a.mailDir)
	if len(mails) == 0 {
		t.Fatal("no mail in the mail directory")
	}
	raw := mails[len(mails)-1]
	m := regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b`).FindString(string(raw))
	if m == "" {
		t.Fatalf("no usercode in the mail:\n%s", raw)
	}
	return m
}

func (j *journey) register(t *testing.T, name, email string) string {
	t.Helper()
	w := j.post(t, "/en/register", url.Values{"name": {name}, "email": {email}, "language": {"en"}, "type": {"basic"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("h1"), "Check your e-mail")
	return j.a.usercodeFromMail(t)
}

func oneClickValue(on bool) url.Values {
	v := url.Values{}
	if on {
		v.Set("oneclick", "on")
	}
	return v
}

// activate runs the first login: step 1, then set password and phrase.
func (j *journey) activate(t *testing.T, usercode, phrase string, on bool, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	f := oneClickValue(on)
	f.Set("usercode", usercode)
	w := j.post(t, "/en/login/user", f, headers...)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantCount(t, d, `form[action="/en/login/user/activate"] input[name="phrase"]`, 3)
	form := url.Values{"usercode": {d.Find(`input[name="usercode"]`).AttrOr("value", "")},
		"oneclick": {d.Find(`input[name="oneclick"]`).AttrOr("value", "")},
		"password": {testPassword}, "phrase": {phrase}}
	return j.post(t, "/en/login/user/activate", form, headers...)
}

// login runs steps 1 and 2 and returns step 1's response and step 2's.
func (j *journey) login(t *testing.T, usercode, password string, on bool, headers ...string) (*httptest.ResponseRecorder, *httptest.ResponseRecorder) {
	t.Helper()
	f := oneClickValue(on)
	f.Set("usercode", usercode)
	w1 := j.post(t, "/en/login/user", f, headers...)
	wantStatus(t, w1, http.StatusOK)
	d := doc(t, w1)
	form := url.Values{"usercode": {d.Find(`input[name="usercode"]`).AttrOr("value", "")},
		"oneclick": {d.Find(`input[name="oneclick"]`).AttrOr("value", "")}, "password": {password}}
	return w1, j.post(t, "/en/login/user/password", form, headers...)
}

// checkSecretsStayOut fails when a response of the journey puts a usercode,
// password, phrase or session token in a URL or Location header.
func (j *journey) checkSecretsStayOut(t *testing.T, secrets ...string) {
	t.Helper()
	for _, w := range j.responses {
		loc := w.Header().Get("Location")
		d := doc(t, w)
		var urls []string
		d.Find("[href], [action], [src]").Each(func(_ int, s *goquery.Selection) {
			for _, attr := range []string{"href", "action", "src"} {
				if v, ok := s.Attr(attr); ok {
					urls = append(urls, v)
				}
			}
		})
		for _, secret := range secrets {
			if secret == "" {
				continue
			}
			if strings.Contains(loc, secret) {
				t.Errorf("Location %q holds a secret", loc)
			}
			for _, u := range urls {
				if strings.Contains(u, secret) || strings.Contains(u, url.QueryEscape(secret)) {
					t.Errorf("URL %q holds a secret", u)
				}
			}
		}
	}
}

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

// normalized is a response with what may differ between two requests taken
// out: Date, the request ID, the length (the phrases differ in length), and
// the given strings replaced by a marker.
func normalized(w *httptest.ResponseRecorder, replace ...string) (int, http.Header, string) {
	h := w.Header().Clone()
	for _, k := range []string{"Date", "X-Request-Id", "Content-Length"} {
		h.Del(k)
	}
	body := w.Body.String()
	for _, s := range replace {
		body = strings.ReplaceAll(body, s, "«X»")
	}
	// Phrase suggestions are drawn at random for every page, known usercode
	// or not: they are masked like the other random values.
	for _, m := range suggestedPhrase.FindAllStringSubmatch(body, -1) {
		body = strings.ReplaceAll(body, m[1], "«P»")
	}
	return w.Code, h, body
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

func TestAccounts_MyAccountChangesNameLanguageAndPhrase(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Hedy Lamarr", "hedy@example.com")
	token := doc(t, j.activate(t, usercode, "amber falcon sings", false)).Find(`input[name="token"]`).First().AttrOr("value", "")
	w := j.post(t, "/en/account/profile", url.Values{"token": {token}, "name": {"Hedy Kiesler"}, "language": {"de"}})
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find(".notice"), "name and language were saved")
	wantText(t, d.Find("#account-name"), "Hedy Kiesler")
	wantText(t, d.Find("#account-lang"), "Deutsch")
	w = j.post(t, "/en/account/profile", url.Values{"token": {token}, "name": {""}, "language": {"de"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantText(t, doc(t, w).Find("#form-error"), "enter your name")

	w = j.post(t, "/en/account/phrase", url.Values{"token": {token}, "phrase": {"quiet lantern glows"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find(".notice"), "phrase was changed")
	w1, _ := j.login(t, usercode, testPassword, false)
	wantText(t, doc(t, w1).Find("#phrase"), "quiet lantern glows")
	for _, w := range j.responses {
		if len(w.Header().Values("Set-Cookie")) > 0 {
			t.Error("a cookie-less session got a cookie")
		}
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

func TestAccounts_EndOneSessionFromTheList(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w := j.activate(t, usercode, "silver otter hums", false)
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

// setUpTOTP turns two-step verification on from My account and returns the
// key the page shows and the recovery codes.
func (j *journey) setUpTOTP(t *testing.T, token string, headers ...string) (string, []string) {
	t.Helper()
	w := j.post(t, "/en/account/totp/setup", url.Values{"token": {token}, "password": {"wrong password here"}}, headers...)
	if w.Code == http.StatusOK {
		t.Fatal("the set-up started with a wrong password")
	}
	w = j.post(t, "/en/account/totp/setup", url.Values{"token": {token}, "password": {testPassword}}, headers...)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	secret := strings.ReplaceAll(d.Find("#totp-key").Text(), " ", "")
	if len(secret) < 16 {
		t.Fatalf("set-up key %q", secret)
	}
	src := d.Find(".totp-qr img").AttrOr("src", "")
	if !strings.HasPrefix(src, "/en/account/totp/qr/") || strings.Contains(src, token) && token != "" {
		t.Fatalf("QR code address %q", src)
	}
	img := j.a.get(t, src, headers...)
	wantStatus(t, img, http.StatusOK)
	if img.Header().Get("Content-Type") != "image/png" || img.Header().Get("Cache-Control") != "no-store" || !bytes.HasPrefix(img.Body.Bytes(), []byte("\x89PNG")) {
		t.Fatalf("QR code: %v", img.Header())
	}
	if w := j.a.get(t, src, headers...); w.Code != http.StatusNotFound {
		t.Errorf("the QR code served twice: %d", w.Code)
	}
	if w := j.a.get(t, "/en/account/totp/qr/not-a-set-up"); w.Code != http.StatusNotFound {
		t.Errorf("an unknown set-up's QR code: %d", w.Code)
	}
	setup := d.Find(`input[name="setup"]`).AttrOr("value", "")
	w = j.post(t, "/en/account/totp/confirm", url.Values{"token": {token}, "setup": {setup}, "code": {"000000x"}}, headers...)
	if w.Code == http.StatusOK {
		t.Fatal("a wrong code confirmed the set-up")
	}
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "wrong or was already used")
	if got := strings.ReplaceAll(d.Find("#totp-key").Text(), " ", ""); got != secret {
		t.Fatalf("after a wrong code the key is %q, want %q", got, secret)
	}
	// Shown again, the page's image has a new address that serves.
	if src2 := d.Find(".totp-qr img").AttrOr("src", ""); src2 == src {
		t.Error("the page shown again reuses the served QR code's address")
	} else {
		src = src2
		wantStatus(t, j.a.get(t, src, headers...), http.StatusOK)
	}
	setup = d.Find(`input[name="setup"]`).AttrOr("value", "")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w = j.post(t, "/en/account/totp/confirm", url.Values{"token": {token}, "setup": {setup}, "code": {code}}, headers...)
	wantStatus(t, w, http.StatusOK)
	var codes []string
	doc(t, w).Find("#recovery-codes code").Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	// The set-up is over: its QR code is gone.
	if w := j.a.get(t, src, headers...); w.Code != http.StatusNotFound {
		t.Errorf("QR code after the set-up: %d", w.Code)
	}
	return secret, codes
}

// loginWithCode runs steps 1 and 2 of a login that asks for a second factor
// and sends code; it returns the code step's response.
func (j *journey) loginWithCode(t *testing.T, usercode, code string, on bool, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	_, w2 := j.login(t, usercode, testPassword, on, headers...)
	wantStatus(t, w2, http.StatusOK)
	d := doc(t, w2)
	if d.Find("#second-code").Length() != 1 {
		t.Fatalf("step 2 of a two-step account shows no code field:\n%s", w2.Body)
	}
	form := url.Values{"code": {code}, "oneclick": {d.Find(`input[name="oneclick"]`).AttrOr("value", "")}}
	if tok := d.Find(`input[name="token"]`).AttrOr("value", ""); tok != "" {
		form.Set("token", tok)
	}
	if on {
		if d.Find(`input[name="token"]`).Length() != 0 {
			t.Error("a 1-Click half-open session travels in the form")
		}
		cookies := w2.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("1-Click step 2 sets %d cookies, want 1", len(cookies))
		}
		headers = append(headers, "Cookie", cookies[0].Name+"="+cookies[0].Value)
	}
	return j.post(t, "/en/login/user/code", form, headers...)
}

func TestAccounts_TOTPSetUpLoginCodesOnceAndRecovery(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w := j.activate(t, usercode, "silver otter hums", false)
	wantStatus(t, w, http.StatusOK)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	secret, recovery := j.setUpTOTP(t, token)
	w = j.post(t, "/en/account", url.Values{"token": {token}})
	wantText(t, doc(t, w).Find("#totp-state"), "is on")
	j.post(t, "/en/account/logout", url.Values{"token": {token}})

	// A code of the next step (the set-up used this one's) opens My account.
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	w = j.loginWithCode(t, usercode, code, false)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find("#account-name"), "Ada Lovelace")
	token = d.Find(`input[name="token"]`).First().AttrOr("value", "")
	j.post(t, "/en/account/logout", url.Values{"token": {token}})

	// The same code is refused the second time; the page asks again.
	w = j.loginWithCode(t, usercode, code, false)
	if w.Code == http.StatusOK || doc(t, w).Find("#second-code").Length() != 1 {
		t.Fatalf("a used code: %d\n%s", w.Code, w.Body)
	}
	wantText(t, doc(t, w).Find("#form-error"), "wrong or was already used")
	// On the same half-open session, a recovery code is accepted.
	half := doc(t, w).Find(`input[name="token"]`).AttrOr("value", "")
	w = j.post(t, "/en/login/user/code", url.Values{"token": {half}, "oneclick": {"off"}, "code": {strings.ToLower(recovery[0])}})
	wantStatus(t, w, http.StatusOK)
	token = doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	wantText(t, doc(t, w).Find("#account-name"), "Ada Lovelace")
	j.post(t, "/en/account/logout", url.Values{"token": {token}})
	// ... once.
	w = j.loginWithCode(t, usercode, recovery[0], false)
	if w.Code == http.StatusOK {
		t.Fatal("a used recovery code was accepted again")
	}
	for i, w := range j.responses {
		if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("response %d sets a cookie without 1-Click: %v", i, sc)
		}
	}

	// With 1-Click: the half-open session is the cookie, then the session.
	w = j.loginWithCode(t, usercode, recovery[1], true)
	wantStatus(t, w, http.StatusSeeOther)
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || w.Header().Get("Location") != "/en/account" {
		t.Fatalf("second factor with 1-Click: %v %v", w.Header().Values("Set-Cookie"), w.Header())
	}
	ck := "zd=" + cookies[0].Value
	w = a.get(t, "/en/account", "Cookie", ck)
	wantStatus(t, w, http.StatusOK)
	// Turning it off asks for the password; then the login has no code step.
	w = a.post(t, "/en/account/totp/disable", url.Values{"password": {"not the password"}}, "Cookie", ck)
	if w.Code == http.StatusOK {
		t.Fatal("two-step verification turned off with a wrong password")
	}
	w = a.post(t, "/en/account/totp/disable", url.Values{"password": {testPassword}}, "Cookie", ck)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find(".notice"), "turned off")
	wantText(t, doc(t, w).Find("#totp-state"), "is off")
	_, w2 := j.login(t, usercode, testPassword, false)
	wantStatus(t, w2, http.StatusOK)
	wantText(t, doc(t, w2).Find("#account-name"), "Ada Lovelace")
	j.checkSecretsStayOut(t, usercode, testPassword, token, secret, recovery[0], recovery[1])
}

func TestAccounts_ExportMyDataIsAJSONDownload(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w := j.activate(t, usercode, "silver otter hums", false)
	token := doc(t, w).Find(`form[action="/en/account/export"] input[name="token"]`).AttrOr("value", "")
	if token == "" {
		t.Fatal("My account has no export form carrying the session")
	}
	w = j.post(t, "/en/account/export", url.Values{"token": {token}})
	wantStatus(t, w, http.StatusOK)
	if cd := w.Header().Get("Content-Disposition"); cd != `attachment; filename="zerodesk-export.json"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if w.Header().Get("Cache-Control") != "no-store" || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Errorf("export headers: %v", w.Header())
	}
	var x accounts.Export
	if err := json.Unmarshal(w.Body.Bytes(), &x); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, w.Body)
	}
	if x.Account.Name != "Ada Lovelace" || x.Account.Email != "ada@example.com" || x.Phrase != "silver otter hums" || len(x.Sessions) != 1 {
		t.Errorf("export = %+v", x)
	}
	if strings.Contains(w.Body.String(), token) {
		t.Error("the export holds the session token")
	}
	// Without a session: the login, no download.
	w = j.post(t, "/en/account/export", nil)
	wantStatus(t, w, http.StatusForbidden)
	if w.Header().Get("Content-Disposition") != "" {
		t.Error("a refused export is a download")
	}
}

func TestAccounts_DeleteMyAccountEndsTheSessionAndLeavesADecoy(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w := j.activate(t, usercode, "silver otter hums", false)
	token := doc(t, w).Find(`form[action="/en/account/delete"] input[name="token"]`).AttrOr("value", "")
	if token == "" {
		t.Fatal("My account has no delete form carrying the session")
	}
	// Without the ticked box, or with a wrong password: nothing is deleted.
	w = j.post(t, "/en/account/delete", url.Values{"token": {token}, "password": {testPassword}})
	if w.Code == http.StatusOK {
		t.Fatal("deleted without the confirmation")
	}
	wantText(t, doc(t, w).Find("#form-error"), "Tick the box")
	w = j.post(t, "/en/account/delete", url.Values{"token": {token}, "password": {"not the password at all"}, "confirm": {"yes"}})
	if w.Code == http.StatusOK {
		t.Fatal("deleted with a wrong password")
	}
	wantText(t, doc(t, w).Find("#account-name"), "Ada Lovelace")

	w = j.post(t, "/en/account/delete", url.Values{"token": {token}, "password": {testPassword}, "confirm": {"yes"}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("h1"), "Your account was deleted")
	w = j.post(t, "/en/account", url.Values{"token": {token}})
	wantStatus(t, w, http.StatusForbidden)

	// Step 1 now answers as for any unknown usercode: a decoy phrase.
	w1 := j.post(t, "/en/login/user", url.Values{"usercode": {usercode}})
	wantStatus(t, w1, http.StatusOK)
	d := doc(t, w1)
	phrase := strings.TrimSpace(d.Find("#phrase").Text())
	if phrase == "" || phrase == "silver otter hums" || d.Find("#password").Length() != 1 {
		t.Fatalf("step 1 after the deletion: phrase %q\n%s", phrase, w1.Body)
	}
	_, w2 := j.login(t, usercode, testPassword, false)
	wantCount(t, doc(t, w2), "#form-error", 1)
	if doc(t, w2).Find("#account-name").Length() != 0 {
		t.Fatal("a deleted account logged in")
	}

	// With 1-Click, the cookie goes with the account.
	a = newTestApp(t)
	j = &journey{a: a}
	other := j.register(t, "Grace Hopper", "grace@example.com")
	w = j.activate(t, other, "amber falcon sings", true)
	ck := w.Result().Cookies()[0]
	w = a.post(t, "/en/account/delete", url.Values{"password": {testPassword}, "confirm": {"yes"}}, "Cookie", ck.Name+"="+ck.Value)
	wantStatus(t, w, http.StatusOK)
	if sc := w.Result().Cookies(); len(sc) != 1 || sc[0].MaxAge >= 0 {
		t.Errorf("the deletion does not delete the 1-Click cookie: %v", w.Header().Values("Set-Cookie"))
	}
}

// TestAccounts_NoSecretAtRestAfterAnHTTPJourney runs register → first login →
// logins with 1-Click off and on → password change → logout through the
// handlers, then scans the SQLite file, its WAL and the log for the usercode
// (any case, with or without hyphens), the passwords and the phrase.
func TestAccounts_NoSecretAtRestAfterAnHTTPJourney(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	const (
		phrase      = "quiet otter swims"
		newPassword = "quiet meadow lantern 92 drifts"
	)
	usercode := j.register(t, "Quentin Xavier Plumtree", "quentin.plumtree@example.org")
	w := j.activate(t, usercode, phrase, false)
	wantStatus(t, w, http.StatusOK)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	wantStatus(t, j.post(t, "/en/account/logout", url.Values{"token": {token}}), http.StatusOK)

	// 1-Click off, the usercode typed in lower case without hyphens.
	w1, w2 := j.login(t, strings.ToLower(strings.ReplaceAll(usercode, "-", "")), testPassword, false)
	wantText(t, doc(t, w1).Find("#phrase"), phrase)
	wantStatus(t, w2, http.StatusOK)
	token = doc(t, w2).Find(`input[name="token"]`).First().AttrOr("value", "")
	wantStatus(t, j.post(t, "/en/account/logout", url.Values{"token": {token}}), http.StatusOK)

	// 1-Click on; the password change and the logout ride the cookie.
	_, w2 = j.login(t, usercode, testPassword, true)
	wantStatus(t, w2, http.StatusSeeOther)
	ck := w2.Result().Cookies()[0]
	cookie := ck.Name + "=" + ck.Value
	w = j.post(t, "/en/account/password", url.Values{"current": {testPassword}, "next": {newPassword}}, "Cookie", cookie)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find(".notice"), "password was changed")
	wantStatus(t, j.post(t, "/en/account/logout", nil, "Cookie", cookie), http.StatusOK)
	// A failed password leaves nothing either.
	_, w2 = j.login(t, usercode, testPassword, false)
	wantCount(t, doc(t, w2), "#form-error", 1)

	secrets := map[string]string{
		"usercode":            usercode,
		"usercode lower":      strings.ToLower(usercode),
		"usercode bare":       strings.ReplaceAll(usercode, "-", ""),
		"usercode bare lower": strings.ToLower(strings.ReplaceAll(usercode, "-", "")),
		"password":            testPassword,
		"new password":        newPassword,
		"phrase":              phrase,
	}
	scan := func(when string) (found []string) {
		if when == "live" && storetest.WALSize(a.db) == 0 {
			t.Fatal("no WAL to scan")
		}
		for _, f := range storetest.FindSecrets(t, a.db, []byte(a.logs.String()), secrets) {
			found = append(found, when+": "+f)
		}
		return found
	}
	for _, f := range scan("live") {
		t.Error(f)
	}
	if _, err := a.db.Write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	for _, f := range scan("after checkpoint") {
		t.Error(f)
	}
	// The scan itself works: a planted base64url usercode is found.
	if _, err := a.db.Write.Exec(`CREATE TABLE planted (v TEXT); INSERT INTO planted VALUES ($1)`,
		base64.URLEncoding.EncodeToString([]byte(strings.ToLower(usercode)))); err != nil {
		t.Fatal(err)
	}
	if found := scan("planted"); !strings.Contains(strings.Join(found, "\n"), "usercode lower (base64url)") {
		t.Fatalf("the scan missed a planted usercode: %v", found)
	}
	if !strings.Contains(a.logs.String(), "accounts: activated") {
		t.Fatalf("the journey was not logged at all:\n%s", a.logs.String())
	}
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

func TestAccounts_StaffLogsInAndSeesItsRole(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode, err := a.accounts.CreateStaff(context.Background(), accounts.Agent, "Grace Hopper", "grace@example.com")
	if err != nil {
		t.Fatal(err)
	}
	w := j.activate(t, string(usercode), "cobalt lantern hums", false)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find("#account-role"), "Support agent")
	wantText(t, d.Find("#desk-entry"), "ticket desk")

	_, w = j.login(t, string(usercode), testPassword, false)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#account-role"), "Support agent")
}

func TestAccounts_UserSeesItsRoleWithoutALaterNote(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	d := doc(t, j.activate(t, usercode, "amber falcon sings", false))
	wantText(t, d.Find("#account-role"), "Basic user")
	if d.Find("#desk-entry").Length() != 0 {
		t.Error("a user is told of a later area")
	}
}

// codeFromMail delivers the outbox and returns the 6-digit code of the
// newest mail to to.
func (a *testApp) codeFromMail(t testing.TB, to string) string {
	t.Helper()
	return a.mailedTo(t, to, `\b[0-9]{6}\b`, "code")
}

// mailedTo delivers the outbox and returns the first match of pattern in
// the newest .eml addressed to to (mails of the same second sort in no
// useful order by file name, so the address tells them apart).
func (a *testApp) mailedTo(t testing.TB, to, pattern, what string) string {
	t.Helper()
	if _, err := a.outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	mails := testsupport.MailFiles(t, a.mailDir)
	re := regexp.MustCompile(pattern)
	for i := len(mails) - 1; i >= 0; i-- {
		if !strings.Contains(mails[i], to) {
			continue
		}
		if m := re.FindString(mails[i]); m != "" {
			return m
		}
	}
	t.Fatalf("no %s mailed to %s", what, to)
	return ""
}

func TestAccounts_EmailChangeIsConfirmedByACodeToTheNewAddress(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w := j.activate(t, usercode, "silver otter hums", false)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	wantCount(t, doc(t, w), `form[action="/en/account/email"] input[name="email"]`, 1)

	// A wrong password changes nothing and asks for no code.
	w = j.post(t, "/en/account/email", url.Values{"token": {token}, "email": {"ada@new.example.com"}, "password": {"wrong password here"}})
	if w.Code == http.StatusOK {
		t.Fatal("the change started with a wrong password")
	}
	w = j.post(t, "/en/account/email", url.Values{"token": {token}, "email": {"ada@new.example.com"}, "password": {testPassword}})
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantCount(t, d, `form[action="/en/account/email/confirm"] input[name="code"]`, 1)
	wantCount(t, d, `form[action="/en/account/email/confirm"] input[name="token"]`, 1)
	code := a.codeFromMail(t, "ada@new.example.com")

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	w = j.post(t, "/en/account/email/confirm", url.Values{"token": {token}, "code": {wrong}})
	if w.Code == http.StatusOK {
		t.Fatal("a wrong code was accepted")
	}
	wantCount(t, doc(t, w), `form[action="/en/account/email/confirm"] input[name="code"]`, 1)
	wantCount(t, doc(t, w), "#form-error", 1)

	w = j.post(t, "/en/account/email/confirm", url.Values{"token": {token}, "code": {code}})
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("main .notice"), "e-mail address has been changed")

	s, err := a.accounts.Session(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.accounts.Profile(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if p.Email != "ada@new.example.com" {
		t.Fatalf("e-mail is %q", p.Email)
	}
	j.checkSecretsStayOut(t, usercode, testPassword, token, code)
}

func TestAccounts_NewRecoveryCodesAreShownOnceAndReplaceTheOld(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	j := &journey{a: a}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	w := j.activate(t, usercode, "silver otter hums", false)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	_, old := j.setUpTOTP(t, token)

	w = j.post(t, "/en/account", url.Values{"token": {token}})
	wantCount(t, doc(t, w), `form[action="/en/account/recovery"] input[name="password"]`, 1)
	w = j.post(t, "/en/account/recovery", url.Values{"token": {token}, "password": {"wrong password here"}})
	if w.Code == http.StatusOK {
		t.Fatal("new codes with a wrong password")
	}
	w = j.post(t, "/en/account/recovery", url.Values{"token": {token}, "password": {testPassword}})
	wantStatus(t, w, http.StatusOK)
	var fresh []string
	doc(t, w).Find("#recovery-codes code").Each(func(_ int, s *goquery.Selection) { fresh = append(fresh, s.Text()) })
	if len(fresh) == 0 {
		t.Fatal("no new recovery codes shown")
	}
	for _, c := range old {
		if slices.Contains(fresh, c) {
			t.Fatalf("old code %q shown again", c)
		}
	}
	// My account shows them no more.
	w = j.post(t, "/en/account", url.Values{"token": {token}})
	if strings.Contains(w.Body.String(), fresh[0]) {
		t.Fatal("My account shows a recovery code")
	}
}

func TestAccounts_EveryChangeIsLimitedPerAddressButLogoutNeverIs(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	limit := 4 * max(a.h.AccountLimit, 30)
	var last int
	for range limit + 1 {
		last = a.post(t, "/en/account/profile", url.Values{"name": {"x"}}).Code
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("request %d to /account/profile answered %d, want 429", limit+1, last)
	}
	for range limit + 1 {
		if code := a.post(t, "/en/account/logout", nil).Code; code == http.StatusTooManyRequests {
			t.Fatal("logout was rate limited")
		}
	}
}
