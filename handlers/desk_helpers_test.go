package handlers

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
	"zerodesk/internal/crypt"
	"zerodesk/internal/tickets"
	"zerodesk/locales"
)

// deskAgent is a staff member signed in through HTTP: with 1-Click its
// cookie, without it the token its pages' forms carry.
type deskAgent struct {
	a      *testApp
	cookie string // "zd=…", or "" without 1-Click
	token  string // the hidden field's value, or "" with 1-Click
}

// signInStaff creates a staff account from the CLI's path and activates it
// through the two-step login.
func signInStaff(t *testing.T, a *testApp, role accounts.Role, name, email string, oneClick bool) *deskAgent {
	t.Helper()
	usercode, err := a.accounts.CreateStaff(context.Background(), role, name, email)
	if err != nil {
		t.Fatal(err)
	}
	j := &journey{a: a}
	w := j.activate(t, string(usercode), "cobalt lantern hums", oneClick)
	if oneClick {
		wantStatus(t, w, http.StatusSeeOther)
		for _, c := range w.Result().Cookies() {
			if c.Name == sessionCookie && c.Value != "" {
				return &deskAgent{a: a, cookie: c.Name + "=" + c.Value}
			}
		}
		t.Fatal("no session cookie after the login")
	}
	wantStatus(t, w, http.StatusOK)
	token := doc(t, w).Find(`input[name="token"]`).First().AttrOr("value", "")
	if token == "" {
		t.Fatal("no session token in My account's forms")
	}
	if len(w.Result().Cookies()) != 0 {
		t.Fatal("a login without 1-Click set a cookie")
	}
	return &deskAgent{a: a, token: token}
}

// open fetches a desk page the way the agent's browser does: GET with the
// cookie, or a POST of the token.
func (d *deskAgent) open(t *testing.T, path string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	if d.cookie != "" {
		if len(form) > 0 {
			path += "?" + form.Encode()
		}
		return d.a.get(t, path, append(headers, "Cookie", d.cookie)...)
	}
	return d.send(t, path, form, headers...)
}

// send posts a desk form.
func (d *deskAgent) send(t *testing.T, path string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if d.token != "" {
		f.Set("token", d.token)
	} else {
		headers = append(headers, "Cookie", d.cookie)
	}
	w := d.a.post(t, path, f, headers...)
	if d.token != "" && len(w.Result().Cookies()) != 0 {
		t.Errorf("%s set a cookie for a session without 1-Click", path)
	}
	return w
}

// sendMultipart posts the reply form with files, built as multipartBody
// builds every multipart form of the tests.
func (d *deskAgent) sendMultipart(t *testing.T, path string, form url.Values, files map[string][]byte) *httptest.ResponseRecorder {
	t.Helper()
	fields := url.Values{}
	maps.Copy(fields, form)
	if d.token != "" {
		fields.Set("token", d.token)
	}
	var parts []testFile
	for _, name := range slices.Sorted(maps.Keys(files)) {
		parts = append(parts, testFile{name: name, data: files[name]})
	}
	body, ct := multipartBody(t, fields, parts...)
	r := httptest.NewRequest(http.MethodPost, path, body)
	r.Header.Set("Content-Type", ct)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if d.cookie != "" {
		r.Header.Set("Cookie", d.cookie)
	}
	return d.a.do(t, r)
}

// after follows a change's answer: the redirect of a 1-Click session, the
// page itself without.
func (d *deskAgent) after(t *testing.T, w *httptest.ResponseRecorder, ref string) *goquery.Document {
	t.Helper()
	if d.cookie != "" {
		wantStatus(t, w, http.StatusSeeOther)
		loc := w.Header().Get("Location")
		if !strings.HasPrefix(loc, "/en/desk/tickets/"+ref+"?done=") {
			t.Fatalf("redirected to %q", loc)
		}
		w = d.a.get(t, loc, "Cookie", d.cookie)
	}
	wantStatus(t, w, http.StatusOK)
	return doc(t, w)
}

// guestTicket opens a ticket as a guest would, through the service (each
// from an address of its own: the per-address limit is not what these tests
// are about).
func guestTicket(t *testing.T, a *testApp, name, email, topic, subject, body string) *tickets.Receipt {
	t.Helper()
	n := guestAddresses.Add(1)
	rc, err := a.h.Tickets.Submit(context.Background(), tickets.Submission{Lang: "en", Name: name, Email: email,
		Topic: topic, Subject: subject, Body: body, Address: "203.0." + strconv.FormatInt(n/250%250, 10) + "." + strconv.FormatInt(n%250, 10),
		FormID: subject + strconv.FormatInt(n, 10)})
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

var guestAddresses atomic.Int64

// clockedTickets replaces the app's ticket service by one on the same
// database whose clock the test moves.
func clockedTickets(t *testing.T, a *testApp, now *time.Time) {
	t.Helper()
	secret, err := crypt.LoadOrCreateKeyFile(filepath.Join(filepath.Dir(a.mailDir), "zerodesk.key"))
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	tix, err := tickets.New(context.Background(), a.db, secret, a.accounts, a.outbox, catalog,
		tickets.Options{PortalURL: "http://example.com", Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tix.Close)
	a.h.Tickets, a.tickets = tix, tix
}

// session loads the agent's session from its cookie or token.
func (d *deskAgent) session(t *testing.T) *accounts.Session {
	t.Helper()
	token := d.token
	if token == "" {
		token = strings.TrimPrefix(d.cookie, sessionCookie+"=")
	}
	s, err := d.a.accounts.Session(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
