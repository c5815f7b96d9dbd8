package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
	"zerodesk/internal/tickets"
)

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
