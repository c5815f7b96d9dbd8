package handlers

import (
	"cmp"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/testsupport"
)

const testPassword = "violet harbour kettle 47 sings"

// journey records every response of an account journey, so a test can check
// what none of them may carry.
type journey struct {
	a         *testApp
	responses []*httptest.ResponseRecorder
	password  string // what activate sets ["" = testPassword]; a byte scan's journey sets its own
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
		"password": {cmp.Or(j.password, testPassword)}, "phrase": {phrase}}
	return j.post(t, "/en/login/user/activate", form, headers...)
}

// adaAtMyAccount registers Ada Lovelace and runs her first login without
// 1-Click; it returns the journey, her usercode and the first login's
// response (My account).
func adaAtMyAccount(t *testing.T) (*journey, string, *httptest.ResponseRecorder) {
	t.Helper()
	j := &journey{a: newTestApp(t)}
	usercode := j.register(t, "Ada Lovelace", "ada@example.com")
	return j, usercode, j.activate(t, usercode, "silver otter hums", false)
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
