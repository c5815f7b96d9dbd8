package handlers

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// sendMultipart posts the reply form with files.
func (d *deskAgent) sendMultipart(t *testing.T, path string, form url.Values, files map[string][]byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if d.token != "" {
		mw.WriteField("token", d.token)
	}
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, data := range files {
		fw, err := mw.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
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

func TestDesk_QueueShowsCountsAndFilters(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	ctx := context.Background()
	r1 := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	r2 := guestTicket(t, a, "Edsger Dijkstra", "edsger@example.com", "billing", "Invoice question", "Where is my invoice for March?")
	r3 := guestTicket(t, a, "Barbara Liskov", "barbara@example.com", "other", "Kind words", "Thank you for the quick help.")

	w := agent.open(t, "/en/desk", nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantCount(t, d, "#queue-table thead th[scope=col]", 9)
	if n := d.Find("#queue-table tbody tr").Length(); n != 3 {
		t.Fatalf("the queue lists %d tickets, want 3", n)
	}
	wantText(t, d.Find("#queue-total"), "3 tickets match")
	wantText(t, d.Find(".desk-counts"), "New 3")
	wantText(t, d.Find("#queue-table"), "Alan Turing")
	wantCount(t, d, `#queue-table a[href="/en/desk/tickets/`+r1.Reference+`"]`, 1)
	wantCount(t, d, `.desk-poll[data-hx-get^="/en/desk/poll?"][data-hx-trigger="every 10s"]`, 1)

	// A page is cached for a moment, never past a change of any ticket.
	me := agent
	if strings.Contains(d.Find("#queue-table").Text(), "Urgent") {
		t.Fatal("a ticket is urgent already")
	}
	if err := a.tickets.SetPriority(ctx, tickets.Viewer{Session: me.session(t)}, r1.Reference, tickets.PriorityHigh); err != nil {
		t.Fatal(err)
	}
	wantText(t, doc(t, agent.open(t, "/en/desk", nil)).Find("#queue-table"), "High")

	// Filters: priority, topic, assignee, text; each narrows the list.
	if err := a.tickets.SetPriority(ctx, tickets.Viewer{Session: me.session(t)}, r2.Reference, tickets.PriorityUrgent); err != nil {
		t.Fatal(err)
	}
	if err := a.tickets.Assign(ctx, tickets.Viewer{Session: me.session(t)}, r3.Reference, me.session(t).AccountID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		filter url.Values
		want   []string
	}{
		{url.Values{"priority": {"urgent"}}, []string{r2.Reference}},
		{url.Values{"topic": {"login"}}, []string{r1.Reference}},
		{url.Values{"assignee": {"me"}}, []string{r3.Reference}},
		{url.Values{"assignee": {"none"}}, []string{r1.Reference, r2.Reference}},
		{url.Values{"q": {"invoice"}}, []string{r2.Reference}},
		{url.Values{"q": {r1.Reference}}, []string{r1.Reference}},
		{url.Values{"status": {"closed"}}, nil},
	} {
		d := doc(t, agent.open(t, "/en/desk", c.filter))
		var got []string
		d.Find("#queue-table tbody tr th a").Each(func(_ int, s *goquery.Selection) { got = append(got, s.Text()) })
		if strings.Join(got, " ") != strings.Join(sortedLike(c.want, got), " ") || len(got) != len(c.want) {
			t.Errorf("filter %v lists %v, want %v", c.filter, got, c.want)
		}
		for k, v := range c.filter {
			sel := `#desk-filters [name="` + k + `"]`
			if k == "q" {
				if d.Find(sel).AttrOr("value", "") != v[0] {
					t.Errorf("filter %v: the search field lost its value", c.filter)
				}
			} else if d.Find(sel+` option[selected]`).AttrOr("value", "") != v[0] {
				t.Errorf("filter %v: the form does not keep the choice", c.filter)
			}
		}
	}
	if d := doc(t, agent.open(t, "/en/desk", url.Values{"status": {"closed"}})); d.Find("#queue-empty").Length() != 1 {
		t.Error("an empty result does not say so")
	}

	// A filter with a value the form never offers: explained, kept, and the
	// whole queue shown.
	w = agent.open(t, "/en/desk", url.Values{"status": {"frozen"}, "q": {"invoice"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "a value the desk does not know")
	if d.Find(`#f-text`).AttrOr("value", "") != "invoice" {
		t.Error("the refused filter lost the search text")
	}
	if n := d.Find("#queue-table tbody tr").Length(); n != 3 {
		t.Errorf("after a refused filter the queue lists %d tickets, want all 3", n)
	}

	// A text size chosen without JavaScript survives the GET filter form.
	d = doc(t, agent.open(t, "/en/desk?size=4", nil))
	wantCount(t, d, `#desk-filters input[type="hidden"][name="size"][value="4"]`, 1)

	// The HTMX request for the list gets the region alone, its heading
	// taking the focus.
	w = agent.open(t, "/en/desk", url.Values{"priority": {"urgent"}}, "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	if strings.Contains(w.Body.String(), "<html") {
		t.Error("the HTMX request got the whole page")
	}
	wantCount(t, doc(t, w), `#queue-title[data-autofocus]`, 1)
}

// sortedLike returns want in the order of got where they share items, so
// the queue's own order (overdue first, by deadline) does not matter here.
func sortedLike(want, got []string) []string {
	var out []string
	for _, g := range got {
		for _, w := range want {
			if g == w {
				out = append(out, g)
			}
		}
	}
	return out
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

// The queue pages are kept for a moment (deskQueues, deskRendered): never
// one agent's for another, nor an admin's for an agent.
func TestDesk_KeptQueuePagesAreEachAgentsOwn(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", true)
	grace := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	alan := signInStaff(t, a, accounts.Agent, "Alan Kay", "alan.kay@example.com", true)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "Refused.")
	wantCount(t, doc(t, admin.open(t, "/en/desk", nil)), `.desk-menu a[href="/en/desk/topics"]`, 1)
	if doc(t, grace.open(t, "/en/desk", nil)).Find(`.desk-menu a[href="/en/desk/topics"]`).Length() != 0 {
		t.Error("an agent got the admin's queue page")
	}
	grace.after(t, grace.send(t, "/en/desk/tickets/"+rc.Reference+"/assign", url.Values{"agent": {"me"}}), rc.Reference)
	for _, c := range []struct {
		agent *deskAgent
		rows  int
	}{{grace, 1}, {alan, 0}, {grace, 1}, {alan, 0}} {
		d := doc(t, c.agent.open(t, "/en/desk", url.Values{"assignee": {"me"}}))
		if n := d.Find("#queue-table tbody tr").Length(); n != c.rows {
			t.Errorf("assigned to me: %d rows, want %d", n, c.rows)
		}
	}
}

func TestDesk_QueuePagesKeepTheFilter(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, oneClick := range []bool{true, false} {
		agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace"+strconv.FormatBool(oneClick)+"@example.com", oneClick)
		if oneClick {
			for i := range 23 {
				guestTicket(t, a, "Customer", "c"+strconv.Itoa(i)+"@example.com", "billing", "Invoice "+strconv.Itoa(i), "Where is my invoice?")
			}
			guestTicket(t, a, "Customer", "other@example.com", "login", "Cannot sign in", "Refused.")
		}
		d := doc(t, agent.open(t, "/en/desk", url.Values{"topic": {"billing"}}))
		wantText(t, d.Find(".desk-pages"), "Page 1 of 2")
		next := d.Find(`.desk-pages button[form="desk-filters"][name="page"]`)
		if next.Length() != 1 || next.AttrOr("value", "") != "2" {
			t.Fatalf("the first page offers %d page buttons (%q)", next.Length(), next.AttrOr("value", ""))
		}
		if d.Find("#queue-table tbody tr").Length() != 20 {
			t.Errorf("the first page lists %d tickets", d.Find("#queue-table tbody tr").Length())
		}
		// The page button submits the filter form with its page.
		d = doc(t, agent.open(t, "/en/desk", url.Values{"topic": {"billing"}, "page": {"2"}}))
		wantText(t, d.Find(".desk-pages"), "Page 2 of 2")
		if n := d.Find("#queue-table tbody tr").Length(); n != 3 {
			t.Errorf("the second page lists %d tickets, want 3", n)
		}
		if d.Find(`#f-topic option[selected]`).AttrOr("value", "") != "billing" {
			t.Error("the second page lost the filter")
		}
		wantCount(t, d, `.desk-pages button[value="1"]`, 1)
	}
}

func TestDesk_OverdueTicketsComeFirstAndSaySo(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	clockedTickets(t, a, &now)
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	late := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	now = now.Add(9 * time.Hour) // past the 8 hours of a normal ticket's first response
	fresh := guestTicket(t, a, "Edsger Dijkstra", "edsger@example.com", "billing", "Invoice question", "Where is my invoice?")

	d := doc(t, agent.open(t, "/en/desk", nil))
	rows := d.Find("#queue-table tbody tr")
	if rows.Length() != 2 || !strings.Contains(rows.First().Text(), late.Reference) {
		t.Fatalf("the overdue ticket is not first: %q", rows.First().Text())
	}
	first := rows.First()
	if !first.HasClass("overdue") {
		t.Error("the overdue row is not highlighted")
	}
	wantText(t, first, "Overdue")
	wantText(t, first, "First response: Overdue by")
	second := rows.Eq(1)
	wantText(t, second, fresh.Reference)
	if second.HasClass("overdue") || strings.Contains(second.Text(), "Overdue") {
		t.Error("a ticket within its target is marked overdue")
	}
	wantText(t, second, "3 November 2026, 02:00 UTC") // its absolute due time, beside the relative one

	d = doc(t, agent.open(t, "/en/desk/tickets/"+late.Reference, nil))
	wantText(t, d.Find("#timer-first"), "Overdue")
	wantText(t, d.Find("#timer-first"), "Target: 2 November 2026, 17:00 UTC")
	if !d.Find("#timer-first").HasClass("overdue") {
		t.Error("the overdue timer is not highlighted")
	}
	wantText(t, d.Find("#timer-resolution"), "Due in")
}

// dateTime is how the desk writes t in English.
func dateTime(t time.Time) string {
	t = t.UTC()
	return strconv.Itoa(t.Day()) + " " + t.Month().String() + " " + strconv.Itoa(t.Year()) + ", " + t.Format("15:04") + " UTC"
}

func TestDesk_ScheduledAndExpiringReplies(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	// The page tells "scheduled" by the server's clock, so the test's clock
	// starts from it.
	now := time.Now().UTC().Truncate(time.Minute)
	release, expiry := now.Add(24*time.Hour), now.Add(8*24*time.Hour)
	clockedTickets(t, a, &now)
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	base := "/en/desk/tickets/" + rc.Reference
	formID := doc(t, agent.open(t, base, nil)).Find(`#compose input[name="form_id"]`).AttrOr("value", "")
	d := agent.after(t, agent.send(t, base+"/reply", url.Values{"body": {"Your new code works from tomorrow."},
		"release_at": {release.Format("2006-01-02T15:04")}, "expires_at": {expiry.Format("2006-01-02T15:04")}, "form_id": {formID}, "do": {"send"}}), rc.Reference)
	msg := d.Find(".thread .msg-agent")
	wantText(t, msg, "Your new code works from tomorrow.")
	wantText(t, msg, dateTime(release))
	wantText(t, msg, dateTime(expiry))

	guest := tickets.Viewer{Reference: rc.Reference, AccessKey: rc.AccessKey}
	g, err := a.tickets.Open(context.Background(), guest, rc.Reference)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range g.Messages {
		if strings.Contains(m.Body, "tomorrow") {
			t.Error("the customer reads a reply before its release")
		}
	}
	now = now.Add(25 * time.Hour)
	if g, err = a.tickets.Open(context.Background(), guest, rc.Reference); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range g.Messages {
		found = found || strings.Contains(m.Body, "tomorrow")
	}
	if !found {
		t.Error("the released reply does not reach the customer")
	}

	// Expiry before release: refused by the service, the form kept.
	formID = doc(t, agent.open(t, base, nil)).Find(`#compose input[name="form_id"]`).AttrOr("value", "")
	backwards := expiry.Add(-72 * time.Hour).Format("2006-01-02T15:04")
	w := agent.send(t, base+"/reply", url.Values{"body": {"Backwards."}, "release_at": {expiry.Format("2006-01-02T15:04")},
		"expires_at": {backwards}, "form_id": {formID}, "do": {"send"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantCount(t, d, "#form-error", 1)
	if d.Find("#reply-expires").AttrOr("value", "") != backwards {
		t.Error("the refused times were not kept")
	}
}

func TestDesk_PollingAnswersNoContentUntilTheQueueChanges(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	d := doc(t, agent.open(t, "/en/desk", nil))
	poll := d.Find(".desk-poll").AttrOr("data-hx-get", "")
	if poll == "" {
		t.Fatal("no polling element")
	}
	w := agent.open(t, poll, nil, "HX-Request", "true")
	wantStatus(t, w, http.StatusNoContent)

	guestTicket(t, a, "Edsger Dijkstra", "edsger@example.com", "billing", "Invoice question", "Where is my invoice?")
	guestTicket(t, a, "Barbara Liskov", "barbara@example.com", "other", "Kind words", "Thank you.")
	w = agent.open(t, poll, nil, "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	if got := d.Find("section.desk-queue").AttrOr("data-announce", ""); got != "2 new tickets in the queue" {
		t.Errorf("announcement = %q", got)
	}
	if d.Find("[data-autofocus]").Length() != 0 {
		t.Error("a refresh the agent did not ask for would move the focus")
	}
	if n := d.Find("#queue-table tbody tr").Length(); n != 3 {
		t.Errorf("the refreshed list has %d tickets, want 3", n)
	}
	// The new polling element asks from the new version on.
	next := d.Find(".desk-poll").AttrOr("data-hx-get", "")
	wantStatus(t, agent.open(t, next, nil, "HX-Request", "true"), http.StatusNoContent)

	// Without 1-Click the polling posts the token (never in its URL).
	other := signInStaff(t, a, accounts.Agent, "Ada Agent", "ada@example.com", false)
	d = doc(t, other.open(t, "/en/desk", nil))
	el := d.Find(".desk-poll")
	poll = el.AttrOr("data-hx-post", "")
	if poll == "" || strings.Contains(poll, other.token) || el.AttrOr("data-hx-include", "") != "#desk-filters [name=token]" {
		t.Fatalf("polling without 1-Click: %q include %q", poll, el.AttrOr("data-hx-include", ""))
	}
	wantStatus(t, other.send(t, poll, nil, "HX-Request", "true"), http.StatusNoContent)
	// A session that ended stops the polling with the reason, as a fragment.
	w = a.post(t, poll, url.Values{"token": {"ended"}}, "HX-Request", "true")
	wantStatus(t, w, http.StatusForbidden)
	if strings.Contains(w.Body.String(), "<html") || !strings.Contains(w.Body.String(), "role=\"alert\"") {
		t.Errorf("an ended session's poll got:\n%.300s", w.Body.String())
	}
}

func TestDesk_EveryActionWorksWithAndWithout1ClickAndIsKeptInHistory(t *testing.T) {
	t.Parallel()
	for _, oneClick := range []bool{true, false} {
		t.Run("1-Click="+strconv.FormatBool(oneClick), func(t *testing.T) {
			a := newTestApp(t)
			agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", oneClick)
			rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
			other := guestTicket(t, a, "Alan Turing", "alan@example.com", "billing", "Invoice question", "Where is my invoice?")
			base := "/en/desk/tickets/" + rc.Reference

			w := agent.open(t, base, nil)
			wantStatus(t, w, http.StatusOK)
			d := doc(t, w)
			wantText(t, d.Find("h1"), "Cannot sign in")
			wantText(t, d.Find(".thread"), "The second step refuses my password.")
			wantText(t, d.Find("#ticket-customer"), "alan@example.com")
			wantText(t, d.Find("#others"), other.Reference)
			wantText(t, d.Find("#timer-first"), "Due in")
			if !oneClick {
				// Every navigation is a form carrying the token; no URL holds it.
				wantCount(t, d, `.desk-menu form[method="post"] input[name="token"]`, 2)
				wantCount(t, d, `#others form[action="/en/desk/tickets/`+other.Reference+`"] input[name="token"]`, 1)
				d.Find("[href], [action], [src], [data-hx-get], [data-hx-post]").Each(func(_ int, s *goquery.Selection) {
					for _, attr := range []string{"href", "action", "src", "data-hx-get", "data-hx-post"} {
						if v, ok := s.Attr(attr); ok && strings.Contains(v, agent.token) {
							t.Errorf("%s=%q holds the session token", attr, v)
						}
					}
				})
			}

			d = agent.after(t, agent.send(t, base+"/assign", url.Values{"agent": {"me"}}), rc.Reference)
			wantText(t, d.Find("#desk-notice"), "assignment was changed")
			wantText(t, d.Find("#ticket-assignee"), "Grace Hopper")
			wantText(t, d.Find("#history"), "assigned the ticket to Grace Hopper")
			if d.Find("#assign-me").Length() != 0 {
				t.Error("Assign to me is offered for one's own ticket")
			}

			d = agent.after(t, agent.send(t, base+"/priority", url.Values{"priority": {"high"}}), rc.Reference)
			wantText(t, d.Find("#ticket-priority"), "High")
			wantText(t, d.Find("#history"), "changed the priority from Normal to High")

			d = agent.after(t, agent.send(t, base+"/status", url.Values{"status": {"pending"}}), rc.Reference)
			wantText(t, d.Find("#ticket-status"), "Pending")
			wantText(t, d.Find("#history"), "changed the status from New to Pending")

			form := d.Find("#compose")
			formID := form.Find(`input[name="form_id"]`).AttrOr("value", "")
			w = agent.sendMultipart(t, base+"/reply", url.Values{"body": {"Please try the reset link in your e-mail."},
				"form_id": {formID}, "do": {"send"}}, map[string][]byte{"steps.txt": []byte("1. Open the link\n2. Choose a new password\n")})
			d = agent.after(t, w, rc.Reference)
			wantText(t, d.Find("#desk-notice"), "Your reply was sent")
			wantText(t, d.Find(".thread .msg-agent"), "Please try the reset link")
			wantText(t, d.Find("#history"), "Grace Hopper replied")
			wantText(t, d.Find("#timer-first"), "Met in time")

			// The file downloads from the desk, as a download only.
			link := d.Find(".thread .msg-agent .file-link").First()
			var fw *httptest.ResponseRecorder
			if oneClick {
				fw = agent.open(t, link.AttrOr("href", ""), nil)
			} else {
				fw = agent.send(t, link.Closest("form").AttrOr("action", ""), nil)
			}
			wantStatus(t, fw, http.StatusOK)
			if fw.Header().Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(fw.Header().Get("Content-Disposition"), "attachment;") ||
				fw.Body.String() != "1. Open the link\n2. Choose a new password\n" {
				t.Errorf("download: %v %q", fw.Header(), fw.Body.String())
			}

			d = agent.after(t, agent.send(t, base+"/note", url.Values{"body": {"Customer sounded unsure; check again Monday."}}), rc.Reference)
			wantText(t, d.Find("#desk-notice"), "internal note was added")
			wantText(t, d.Find(".thread .msg-note"), "check again Monday")
			wantText(t, d.Find("#history"), "added an internal note")

			d = agent.after(t, agent.send(t, base+"/status", url.Values{"status": {"resolved"}}), rc.Reference)
			wantText(t, d.Find("#ticket-status"), "Resolved")
			if d.Find("#resolve").Length() != 0 {
				t.Error("a resolved ticket still offers Mark as resolved")
			}
			for _, kind := range []string{"created", "assigned", "priority", "status", "reply", "note"} {
				if d.Find(`#history li[data-kind="`+kind+`"]`).Length() == 0 {
					t.Errorf("the history has no %q entry", kind)
				}
			}

			// The customer sees the reply, never the note.
			g, err := a.tickets.Open(context.Background(), tickets.Viewer{Reference: rc.Reference, AccessKey: rc.AccessKey}, rc.Reference)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range g.Messages {
				if m.Internal || strings.Contains(m.Body, "Monday") {
					t.Error("the customer's view holds the internal note")
				}
			}
			gw := a.get(t, "/en/support/tickets/"+rc.Reference+"?key="+url.QueryEscape(rc.AccessKey))
			wantStatus(t, gw, http.StatusOK)
			if body := gw.Body.String(); strings.Contains(body, "Monday") || !strings.Contains(body, "Please try the reset link") {
				t.Error("the customer's ticket page shows the note, or not the reply")
			}

			// A GET of an action's address changes nothing: back to the ticket.
			gw = a.get(t, base+"/status")
			wantStatus(t, gw, http.StatusSeeOther)
			if gw.Header().Get("Location") != base {
				t.Errorf("GET of an action went to %q", gw.Header().Get("Location"))
			}
		})
	}
}

func TestDesk_BadInputIsExplainedAndKept(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", false)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	base := "/en/desk/tickets/" + rc.Reference
	d := doc(t, agent.open(t, base, nil))
	formID := d.Find(`#compose input[name="form_id"]`).AttrOr("value", "")

	// Over-long reply.
	long := strings.Repeat("a", a.tickets.Limits().MaxBody+1)
	w := agent.send(t, base+"/reply", url.Values{"body": {long}, "form_id": {formID}, "do": {"send"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "too long")
	if got := d.Find("#reply-body").Text(); got != long {
		t.Errorf("the refused reply was not kept (%d characters back)", len(got))
	}

	// Broken UTF-8.
	w = agent.send(t, base+"/reply", url.Values{"body": {"caf\xe9 au lait"}, "form_id": {formID}, "do": {"send"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantCount(t, doc(t, w), "#form-error", 1)

	// A date that is none.
	w = agent.send(t, base+"/reply", url.Values{"body": {"Later."}, "release_at": {"tomorrow"}, "form_id": {formID}, "do": {"send"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "year-month-day")
	if d.Find("#reply-release").AttrOr("value", "") != "tomorrow" || d.Find("#reply-body").Text() != "Later." {
		t.Error("the refused reply lost what was typed")
	}

	// A status the desk does not know, a priority, an agent.
	for path, form := range map[string]url.Values{
		"/status":   {"status": {"frozen"}},
		"/priority": {"priority": {"extreme"}},
		"/assign":   {"agent": {"someone"}},
	} {
		w := agent.send(t, base+path, form)
		wantStatus(t, w, http.StatusBadRequest)
		if doc(t, w).Find("#form-error").Length() != 1 {
			t.Errorf("%s %v: no explanation", path, form)
		}
	}
	wantText(t, doc(t, agent.send(t, base+"/status", url.Values{"status": {"frozen"}})).Find("#form-error"), "That status does not exist")

	// An empty note.
	w = agent.send(t, base+"/note", url.Values{"body": {"  "}})
	wantStatus(t, w, http.StatusBadRequest)

	// A replayed reply form: sent once, then refused with a clear message.
	w = agent.send(t, base+"/reply", url.Values{"body": {"First answer."}, "form_id": {formID}, "do": {"send"}})
	wantStatus(t, w, http.StatusOK)
	w = agent.send(t, base+"/reply", url.Values{"body": {"First answer."}, "form_id": {formID}, "do": {"send"}})
	wantStatus(t, w, http.StatusConflict)
	wantCount(t, doc(t, w), "#form-error", 1)
	g, err := a.tickets.Open(context.Background(), tickets.Viewer{Session: agent.session(t)}, rc.Reference)
	if err != nil {
		t.Fatal(err)
	}
	replies := 0
	for _, m := range g.Messages {
		if m.FromAgent {
			replies++
		}
	}
	if replies != 1 {
		t.Errorf("the replayed form left %d replies, want 1", replies)
	}

	// An unknown ticket.
	wantStatus(t, agent.open(t, "/en/desk/tickets/ZD-AAAA-AAAA", nil), http.StatusForbidden)

	// An unknown canned reply.
	w = agent.send(t, base+"/reply", url.Values{"body": {"x"}, "canned": {"999"}, "do": {"canned"}})
	wantStatus(t, w, http.StatusNotFound)
	wantCount(t, doc(t, w), "#form-error", 1)
}

func TestDesk_AssignToAnotherAgentAndBack(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signInStaff(t, a, accounts.Agent, "Ada Agent", "ada@example.com", true)
	grace := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	wantStatus(t, ada.open(t, "/en/desk", nil), http.StatusOK) // Ada enters the desk: she can be chosen
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "Refused.")
	base := "/en/desk/tickets/" + rc.Reference
	d := doc(t, grace.open(t, base, nil))
	opt := d.Find(`#assign-agent option`).FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == "Ada Agent" })
	if opt.Length() != 1 {
		t.Fatal("Ada is not offered")
	}
	d = grace.after(t, grace.send(t, base+"/assign", url.Values{"agent": {opt.AttrOr("value", "")}}), rc.Reference)
	wantText(t, d.Find("#ticket-assignee"), "Ada Agent")
	wantText(t, d.Find("#history"), "Grace Hopper assigned the ticket to Ada Agent")
	d = grace.after(t, grace.send(t, base+"/assign", url.Values{"agent": {"0"}}), rc.Reference)
	wantText(t, d.Find("#ticket-assignee"), "Unassigned")
	wantText(t, d.Find("#history"), "removed the assignment")
	// Someone who never entered the desk cannot be given a ticket.
	w := grace.send(t, base+"/assign", url.Values{"agent": {"99999"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantCount(t, doc(t, w), "#form-error", 1)
}

func TestDesk_RefusedFilesAreExplainedAndTheReplyKept(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "Refused.")
	base := "/en/desk/tickets/" + rc.Reference
	for name, data := range map[string][]byte{
		"page.html": []byte("<!doctype html><html><script>alert(1)</script></html>"),
		"big.txt":   bytes.Repeat([]byte("a"), int(a.tickets.Limits().MaxAttachmentBytes)+1),
	} {
		w := agent.sendMultipart(t, base+"/reply", url.Values{"body": {"See the file."}, "form_id": {name}, "do": {"send"}},
			map[string][]byte{name: data})
		wantStatus(t, w, http.StatusBadRequest)
		d := doc(t, w)
		wantText(t, d.Find("#form-error"), name)
		if d.Find("#reply-body").Text() != "See the file." {
			t.Errorf("%s: the reply was not kept", name)
		}
		wantText(t, d.Find("#reply-files-hint"), "Choose your files again")
	}
}

func TestDesk_CannedRepliesAndArticleLinksWithoutJavaScript(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", true)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")

	// The admin writes a canned reply in English.
	w := admin.send(t, "/en/desk/canned/save", url.Values{"id": {"0"}, "lang": {"en"}, "title": {"Reset steps"},
		"body": {"Open Reset Account from any page and follow the steps."}})
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantText(t, d.Find("#desk-notice"), "Saved")
	wantText(t, d.Find(".desk-canned legend"), "Reset steps")

	base := "/en/desk/tickets/" + rc.Reference
	d = doc(t, admin.open(t, base, nil))
	opt := d.Find(`#canned-select option`).FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == "Reset steps" })
	if opt.AttrOr("data-body", "") != "Open Reset Account from any page and follow the steps." {
		t.Fatalf("the canned reply is not offered: %q", opt.AttrOr("data-body", ""))
	}

	// Without JavaScript: the form comes back with the text in it.
	w = admin.send(t, base+"/reply", url.Values{"body": {"Hello Alan,"}, "canned": {opt.AttrOr("value", "")}, "do": {"canned"}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	if got := d.Find("#reply-body").Text(); got != "Hello Alan,\n\nOpen Reset Account from any page and follow the steps." {
		t.Errorf("reply after inserting = %q", got)
	}

	// Finding articles in the customer's language, then inserting a link.
	w = admin.send(t, base+"/reply", url.Values{"body": {"Hello Alan,"}, "article_q": {"password"}, "do": {"find"}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	buttons := wantCount(t, d, `#article-results button[name="do"][value^="link:http://example.com/en/articles/"]`, 1)
	link := strings.TrimPrefix(buttons.First().AttrOr("value", ""), "link:")
	if d.Find("#article-q").AttrOr("value", "") != "password" || d.Find("#reply-body").Text() != "Hello Alan," {
		t.Error("the search lost what was typed")
	}
	w = admin.send(t, base+"/reply", url.Values{"body": {"Hello Alan,"}, "do": {"link:" + link}})
	wantStatus(t, w, http.StatusOK)
	if got := doc(t, w).Find("#reply-body").Text(); got != "Hello Alan,\n\n"+link {
		t.Errorf("reply after the link = %q", got)
	}

	// A search too long to run: said where the results go, the reply kept.
	w = admin.send(t, base+"/reply", url.Values{"body": {"Hello Alan,"}, "article_q": {strings.Repeat("password ", 200)}, "do": {"find"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#article-refused"), "too long")
	if d.Find("#reply-body").Text() != "Hello Alan," {
		t.Error("the refused search lost the reply")
	}

	// With JavaScript the search asks for the results alone.
	w = admin.send(t, base+"/reply", url.Values{"article_q": {"password"}, "do": {"find"}}, "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	if strings.Contains(w.Body.String(), "<main") || !strings.Contains(w.Body.String(), "data-link=") {
		t.Errorf("the fragment is not the results alone:\n%.300s", w.Body.String())
	}
}

func TestDesk_AdminsManageTopicsCannedRepliesAndSeeTheOutbox(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.h.Outbox = a.outbox
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", false)

	w := admin.open(t, "/en/desk/topics", nil)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	wantCount(t, d, `input[name="name_ja"][value="ログイン"]`, 1)
	wantCount(t, d, `form.desk-topic[action="/en/desk/topics/save"] input[name="token"]`, 6)

	// Add a topic, named in two languages.
	w = admin.send(t, "/en/desk/topics/save", url.Values{"key": {"mobile"}, "name_en": {"Mobile app"}, "name_fr": {"Application mobile"},
		"position": {"15"}, "active": {"on"}})
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	wantText(t, d.Find("#desk-notice"), "Saved")
	wantCount(t, d, `input[name="name_fr"][value="Application mobile"]`, 1)
	topics, err := a.tickets.Topics(context.Background(), "fr", false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tp := range topics {
		found = found || (tp.Key == "mobile" && tp.Name == "Application mobile")
	}
	if !found {
		t.Error("the new topic is not offered in French")
	}
	// Disable it: no longer offered.
	w = admin.send(t, "/en/desk/topics/save", url.Values{"key": {"mobile"}, "name_en": {"Mobile app"}, "position": {"15"}})
	wantStatus(t, w, http.StatusOK)
	topics, _ = a.tickets.Topics(context.Background(), "en", false)
	for _, tp := range topics {
		if tp.Key == "mobile" && tp.Active {
			t.Error("a disabled topic is still offered")
		}
	}
	// Bad position: explained, typed names kept.
	w = admin.send(t, "/en/desk/topics/save", url.Values{"key": {"tablet"}, "name_en": {"Tablet"}, "position": {"first"}})
	wantStatus(t, w, http.StatusBadRequest)
	d = doc(t, w)
	wantText(t, d.Find("#form-error"), "whole number")
	wantCount(t, d, `#topic-new-en[value="Tablet"]`, 1)

	// Canned replies: add, change, delete.
	before, _ := a.tickets.CannedReplies(context.Background(), "de")
	wantStatus(t, admin.send(t, "/en/desk/canned/save", url.Values{"id": {"0"}, "lang": {"de"}, "title": {"Danke"}, "body": {"Danke für Ihre Nachricht."}}), http.StatusOK)
	list, _ := a.tickets.CannedReplies(context.Background(), "de")
	i := slices.IndexFunc(list, func(c tickets.Canned) bool { return c.Title == "Danke" })
	if len(list) != len(before)+1 || i < 0 {
		t.Fatalf("German canned replies after adding one: %+v", list)
	}
	id := strconv.FormatInt(list[i].ID, 10)
	d = doc(t, admin.send(t, "/en/desk/canned", url.Values{"lang": {"de"}}))
	wantText(t, d.Find(".desk-canned legend"), "Danke")
	wantCount(t, d, `form.desk-canned[action="/en/desk/canned/save"] button[formaction="/en/desk/canned/delete"]`, 1)
	wantStatus(t, admin.send(t, "/en/desk/canned/save", url.Values{"id": {id}, "lang": {"de"}, "title": {"Dank"}, "body": {"Vielen Dank."}}), http.StatusOK)
	list, _ = a.tickets.CannedReplies(context.Background(), "de")
	if len(list) != len(before)+1 || !slices.ContainsFunc(list, func(c tickets.Canned) bool { return c.Title == "Dank" && c.Body == "Vielen Dank." }) {
		t.Errorf("after the change: %+v", list)
	}
	wantStatus(t, admin.send(t, "/en/desk/canned/delete", url.Values{"id": {id}, "lang": {"de"}}), http.StatusOK)
	if list, _ = a.tickets.CannedReplies(context.Background(), "de"); len(list) != len(before) {
		t.Errorf("after the deletion: %+v", list)
	}
	w = admin.send(t, "/en/desk/canned/save", url.Values{"id": {"0"}, "lang": {"de"}, "title": {""}, "body": {""}})
	wantStatus(t, w, http.StatusBadRequest)

	// The outbox: what waits (the guest's confirmation), without content.
	guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	w = admin.open(t, "/en/desk/outbox", nil)
	wantStatus(t, w, http.StatusOK)
	d = doc(t, w)
	if n := d.Find("#outbox tbody tr").Length(); n == 0 {
		t.Fatal("the outbox lists nothing")
	}
	body := w.Body.String()
	for _, secret := range []string{"alan@example.com", "Cannot sign in", "refuses my password", "Alan Turing"} {
		if strings.Contains(body, secret) {
			t.Errorf("the outbox page shows %q", secret)
		}
	}
	if _, err := a.outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantCount(t, doc(t, admin.open(t, "/en/desk/outbox", nil)), "#outbox-empty", 1)
}

// TestDeskLoadSeed prepares the data directory of the queue's load benchmark
// (bench/run.sh, DESK=1) when ZD_DESK_SEED names a directory; without it,
// it seeds 60 tickets in a temporary directory and checks them. It writes a
// database and key file holding ZD_DESK_TICKETS tickets [100,000], sent through the service as guests send them (sealed, indexed,
// counted), a tenth of them urgent and a tenth open, and an agent signed in
// with 1-Click, whose session token it writes to ZD_DESK_SEED/token for wrk's
// Cookie header. `zerodesk serve --data ZD_DESK_SEED` then serves them.
func TestDeskLoadSeed(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("ZD_DESK_SEED")
	n := 100_000
	if dir == "" { // every test run seeds a few, so the seeding the benchmark relies on is checked
		dir, n = t.TempDir(), 60
	}
	if s := os.Getenv("ZD_DESK_TICKETS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	a := openTestApp(t, dir, tickets.Limits{PerAddress: 1 << 30, PerEmail: 1 << 30})
	db, tix := a.db, a.tickets
	agent := signInStaff(t, a, accounts.Agent, "Load Agent", "load@desk.example", true)
	wantStatus(t, agent.open(t, "/en/desk", nil), http.StatusOK) // enters the desk: named, listed

	topics := []string{"account", "login", "billing", "security", "other"}
	words := []string{"invoice", "password", "login", "printer", "refund", "upgrade", "crash", "export", "mobile", "sync"}
	viewer := tickets.Viewer{Session: agent.session(t)}
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 32)
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				subject := "Question about " + words[i%len(words)] + " and " + words[(i/7)%len(words)]
				rc, err := tix.Submit(ctx, tickets.Submission{Lang: "en", Name: "Customer " + strconv.Itoa(i),
					Email: "c" + strconv.Itoa(i%20000) + "@example.org", Topic: topics[i%len(topics)], Subject: subject,
					Body: "Hello, I have a question about " + words[(i/3)%len(words)] + ".", Address: "198.51.100." + strconv.Itoa(i%250),
					FormID: "seed-" + strconv.Itoa(i)})
				if err == nil && i%10 == 3 {
					err = tix.SetPriority(ctx, viewer, rc.Reference, tickets.PriorityUrgent)
				}
				if err == nil && i%10 == 5 {
					err = tix.SetStatus(ctx, viewer, rc.Reference, tickets.StatusOpen)
				}
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// The guests' confirmations would keep the served process busy writing
	// .eml files while it is measured: these customers do not exist.
	if _, err := db.Write.Exec(`DELETE FROM mail_outbox`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(agent.cookie, sessionCookie+"=")
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d tickets in %s (%.0f/s)", n, time.Since(start).Round(time.Second), float64(n)/time.Since(start).Seconds())
	// What wrk will ask for: the agent's queue holds every seeded ticket.
	w := agent.open(t, "/en/desk", nil)
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#queue-total"), strconv.Itoa(n))
}
