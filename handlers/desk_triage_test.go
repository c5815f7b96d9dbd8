package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
)

// An agent tags a ticket, filters the queue by the tag, saves the view,
// bulk-closes the page, and merges two tickets of one customer; with and
// without 1-Click.
func TestDeskTriage_TagsFilterViewsBulkAndMerge(t *testing.T) {
	t.Parallel()
	for _, oneClick := range []bool{true, false} {
		t.Run("1-Click="+strconv.FormatBool(oneClick), func(t *testing.T) {
			a := newTestApp(t)
			agent := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", oneClick)
			rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
			twin := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Still cannot sign in", "Same again today.")
			stranger := guestTicket(t, a, "Ada Lovelace", "ada@example.com", "billing", "Invoice question", "Where is my invoice?")
			base := "/en/desk/tickets/" + rc.Reference

			// Tags: added (normalized), refused when hostile, removed.
			d := agent.after(t, agent.send(t, base+"/tags", url.Values{"add": {"VIP, Login Loop"}}), rc.Reference)
			wantText(t, d.Find("#desk-notice"), "Tags changed")
			wantText(t, d.Find("#tags"), "vip")
			wantText(t, d.Find("#tags"), "login-loop")
			wantText(t, d.Find("#history"), "added the tag vip")
			w := agent.send(t, base+"/tags", url.Values{"add": {"evil\u202etag"}})
			wantStatus(t, w, http.StatusBadRequest)
			wantText(t, doc(t, w).Find("#form-error"), "A tag is 1 to 32")
			d = agent.after(t, agent.send(t, base+"/tags", url.Values{"remove": {"login-loop"}}), rc.Reference)
			if strings.Contains(d.Find("#tags").Text(), "login-loop") {
				t.Error("the tag was not removed")
			}

			// The queue filtered by the tag lists that ticket only, its tags shown.
			w = agent.open(t, "/en/desk", url.Values{"tag": {"vip"}})
			wantStatus(t, w, http.StatusOK)
			d = doc(t, w)
			if n := d.Find("#queue-table tbody tr").Length(); n != 1 {
				t.Fatalf("tag filter lists %d tickets", n)
			}
			wantText(t, d.Find("#queue-table tbody"), rc.Reference)
			wantText(t, d.Find("#queue-table .badge-tag"), "vip")
			wantCount(t, d, `#f-tag option[value="vip"][selected]`, 1)

			// Saved with fewer columns and shared; one click opens it.
			w = agent.send(t, "/en/desk/views/save", url.Values{"name": {"VIP queue"}, "shared": {"1"}, "tag": {"vip"},
				"sort": {"updated"}, "cols": {"1"}, "col": {"customer", "tags"}})
			if oneClick {
				wantStatus(t, w, http.StatusSeeOther)
				w = agent.a.get(t, w.Header().Get("Location"), "Cookie", agent.cookie)
			}
			wantStatus(t, w, http.StatusOK)
			d = doc(t, w)
			wantText(t, d.Find("#views [aria-current]"), "VIP queue")
			wantCount(t, d, `#f-sort option[value="updated"][selected]`, 1)
			if n := d.Find("#queue-table thead th").Length(); n != 6 { // select, reference, subject, customer, status, tags
				t.Errorf("the view shows %d columns", n)
			}
			if n := d.Find("#queue-table tbody tr").Length(); n != 1 {
				t.Errorf("the view lists %d tickets", n)
			}
			w = agent.send(t, "/en/desk/views/save", url.Values{"name": {""}})
			wantStatus(t, w, http.StatusBadRequest)
			wantText(t, doc(t, w).Find("#form-error"), "A saved view needs a name")

			// Bulk: nothing selected is refused; the whole page closes; a
			// refusal names its ticket. With 1-Click the answer is a
			// redirect to the queue, which shows the result once (bulkSent).
			bulkSent := func(form url.Values, status int) *httptest.ResponseRecorder {
				t.Helper()
				w := agent.send(t, "/en/desk/bulk", form)
				if !oneClick {
					wantStatus(t, w, status)
					return w
				}
				wantStatus(t, w, http.StatusSeeOther)
				w = agent.a.get(t, w.Header().Get("Location"), "Cookie", agent.cookie)
				wantStatus(t, w, http.StatusOK)
				return w
			}
			w = bulkSent(url.Values{"do": {"close"}}, http.StatusBadRequest)
			wantText(t, doc(t, w).Find("#bulk-error"), "Select at least one ticket")
			w = bulkSent(url.Values{"do": {"tag"}, "tags": {"spring"}, "ref": {rc.Reference, twin.Reference, "ZD-0000-0000"}}, http.StatusOK)
			d = doc(t, w)
			wantText(t, d.Find("#bulk-result"), "2 tickets changed.")
			wantText(t, d.Find("#bulk-refused"), "ZD-0000-0000")
			// The queue comes back as it was shown (the form carries the filter).
			w = bulkSent(url.Values{"do": {"priority:high"}, "ref": {rc.Reference}, "tag": {"vip"}}, http.StatusOK)
			d = doc(t, w)
			wantText(t, d.Find("#bulk-result"), "1 ticket changed.")
			wantCount(t, d, `#f-tag option[value="vip"][selected]`, 1)
			if n := d.Find("#queue-table tbody tr").Length(); n != 1 {
				t.Errorf("after the bulk action the vip queue lists %d tickets", n)
			}

			// Merge: a stranger's ticket is refused, the twin merges.
			w = agent.send(t, base+"/merge", url.Values{"into": {stranger.Reference}})
			wantStatus(t, w, http.StatusBadRequest)
			wantText(t, doc(t, w).Find("#form-error"), "different customers")
			d = agent.after(t, agent.send(t, base+"/merge", url.Values{"into": {twin.Reference}}), rc.Reference)
			wantText(t, d.Find("#merged-into"), "merged into "+twin.Reference)
			w = agent.open(t, "/en/desk/tickets/"+twin.Reference, nil)
			wantStatus(t, w, http.StatusOK)
			d = doc(t, w)
			wantText(t, d.Find("#merged-from"), rc.Reference)
			wantText(t, d.Find(".thread"), "The second step refuses my password.")
			wantText(t, d.Find(".thread .msg-from"), "from "+rc.Reference)
			// The customer: the merged reference says where it went; the
			// survivor's page shows both conversations.
			w = guestPost(t, a, "/en/support/tickets/"+rc.Reference, rc.AccessKey, nil)
			wantStatus(t, w, http.StatusOK)
			wantText(t, doc(t, w).Find("#ticket-merged"), "merged into "+twin.Reference)
			w = guestPost(t, a, "/en/support/tickets/"+twin.Reference, twin.AccessKey, nil)
			wantStatus(t, w, http.StatusOK)
			wantText(t, doc(t, w).Find(".thread"), "The second step refuses my password.")
			wantText(t, doc(t, w).Find(".thread"), "Same again today.")

			// Bulk-close every ticket of the page.
			w = agent.open(t, "/en/desk", nil)
			d = doc(t, w)
			form := url.Values{"do": {"close"}, "all": {"1"}}
			d.Find(`#desk-bulk input[name="page_ref"]`).Each(func(_ int, s *goquery.Selection) { form.Add("page_ref", s.AttrOr("value", "")) })
			if len(form["page_ref"]) != 2 {
				t.Fatalf("page refs %v", form["page_ref"])
			}
			w = bulkSent(form, http.StatusOK)
			d = doc(t, w)
			wantText(t, d.Find("#bulk-result"), "2 tickets changed.")
			wantText(t, d.Find("#queue-empty"), "")
		})
	}
}

// TestDeskTriage_BulkRedirectsAndShowsItsResultOnce: with 1-Click a bulk
// action answers with a redirect to the queue as it was shown (POST, then
// GET: a reload sends nothing again); the address holds the filter and a
// one-time id, never a reference or ticket text; the result shows once, to
// the agent who acted only.
func TestDeskTriage_BulkRedirectsAndShowsItsResultOnce(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	grace := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	linus := signInStaff(t, a, accounts.Agent, "Linus Pauling", "linus@example.com", true)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	w := grace.send(t, "/en/desk/bulk", url.Values{"do": {"tag"}, "tags": {"spring"}, "ref": {rc.Reference, "ZD-0000-0000"},
		"status": {"new"}, "q": {"sign"}})
	wantStatus(t, w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	u, err := url.Parse(loc)
	if err != nil || u.Path != "/en/desk" || u.Query().Get("status") != "new" || u.Query().Get("q") != "sign" || len(u.Query().Get("bulk")) != 32 {
		t.Fatalf("redirect to %q, want the queue with its filter and a one-time id", loc)
	}
	for _, secret := range []string{rc.Reference, "ZD-0000-0000", "Alan", "Cannot", "spring"} {
		if strings.Contains(loc, secret) {
			t.Errorf("the redirect carries %q", secret)
		}
	}
	// Another agent following the address sees no result.
	if doc(t, linus.a.get(t, loc, "Cookie", linus.cookie)).Find("#bulk-result").Length() != 0 {
		t.Error("another agent sees the bulk result")
	}
	d := doc(t, grace.a.get(t, loc, "Cookie", grace.cookie))
	wantText(t, d.Find("#bulk-result"), "1 ticket changed.")
	wantText(t, d.Find("#bulk-refused"), "ZD-0000-0000")
	wantCount(t, d, `#f-status option[value="new"][selected]`, 1)
	// A reload: the queue, the result gone.
	w = grace.a.get(t, loc, "Cookie", grace.cookie)
	wantStatus(t, w, http.StatusOK)
	if doc(t, w).Find("#bulk-result").Length() != 0 {
		t.Error("the bulk result shows twice")
	}
}

// Two agents on one ticket: each page says the other is there, and the poll
// says who is writing; the poll carries no reply text.
func TestDeskTriage_PresenceWarnsOfAnotherAgent(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	grace := signInStaff(t, a, accounts.Agent, "Grace Hopper", "grace@example.com", true)
	linus := signInStaff(t, a, accounts.Admin, "Linus Pauling", "linus@example.com", false)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	base := "/en/desk/tickets/" + rc.Reference

	d := doc(t, grace.open(t, base, nil))
	if d.Find("#presence .warning").Length() != 0 {
		t.Error("a warning with nobody else there")
	}
	d = doc(t, linus.open(t, base, nil))
	wantText(t, d.Find("#presence"), "Grace Hopper also has this ticket open.")
	w := linus.send(t, base+"/presence", url.Values{"writing": {"1"}}, "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	w = grace.open(t, base+"/presence", nil, "HX-Request", "true")
	wantStatus(t, w, http.StatusOK)
	wantText(t, doc(t, w).Find("#presence"), "Linus Pauling is writing a reply")
	// Not a fragment request: back to the ticket.
	wantStatus(t, grace.open(t, base+"/presence", nil), http.StatusSeeOther)
}

// Only staff triage: a customer's session and an editor are refused, and
// nothing changes.
func TestDeskTriage_RefusedToNonAgents(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	editor := signInStaff(t, a, accounts.Editor, "Eddie Editor", "eddie@example.com", true)
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	for path, form := range map[string]url.Values{
		"/en/desk/bulk":                               {"do": {"close"}, "ref": {rc.Reference}},
		"/en/desk/views/save":                         {"name": {"x"}},
		"/en/desk/tickets/" + rc.Reference + "/tags":  {"add": {"x"}},
		"/en/desk/tickets/" + rc.Reference + "/merge": {"into": {rc.Reference}},
	} {
		w := editor.send(t, path, form)
		wantStatus(t, w, http.StatusForbidden)
		w = a.post(t, path, form)
		if w.Code != http.StatusForbidden {
			t.Errorf("%s without a session: %d", path, w.Code)
		}
	}
}
