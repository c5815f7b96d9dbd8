package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
	"zerodesk/internal/notify"
	"zerodesk/internal/store/storetest"
	"zerodesk/internal/testsupport"
	"zerodesk/internal/tickets"
)

// notifyTeam is two agents at the desk, one ticket assigned by Ana to Bo.
type notifyTeam struct {
	a       *testApp
	ana, bo *deskAgent
	boID    int64
	rc      *tickets.Receipt
	// The ticket's content, this run's own (storetest.Secret): the byte scan
	// on PostgreSQL reads the cluster's WAL, which every test writes.
	subject, body, customer, email, reply string
}

func newNotifyTeam(t *testing.T, oneClick bool) *notifyTeam {
	t.Helper()
	a := newTestApp(t)
	n := &notifyTeam{a: a,
		subject:  storetest.Secret(t, "Invoice 4471 shows a wrong VAT rate "),
		body:     storetest.Secret(t, "Quartz pelican: the VAT line says 19 percent "),
		customer: storetest.Secret(t, "Henrietta Quillfeather "),
		email:    strings.ToLower(storetest.Secret(t, "henrietta.quill.")) + "@example.org",
		reply:    storetest.Secret(t, "Marzipan lighthouse: any news on this? "),
	}
	n.ana = signInStaff(t, a, accounts.Agent, "Ana Lima", "ana.lima@staff.example", oneClick)
	n.bo = signInStaff(t, a, accounts.Agent, "Bo Berg", "bo.berg@staff.example", oneClick)
	wantStatus(t, n.ana.open(t, "/en/desk", nil), http.StatusOK) // both enter the desk
	wantStatus(t, n.bo.open(t, "/en/desk", nil), http.StatusOK)
	n.boID = n.bo.session(t).AccountID
	n.rc = guestTicket(t, a, n.customer, n.email, "billing", n.subject, n.body)
	n.ana.after(t, n.ana.send(t, "/en/desk/tickets/"+n.rc.Reference+"/assign", url.Values{"agent": {strconv.FormatInt(n.boID, 10)}}), n.rc.Reference)
	return n
}

func (n *notifyTeam) customerReplies(t *testing.T) {
	t.Helper()
	err := n.a.h.Tickets.Reply(context.Background(), tickets.Viewer{Reference: n.rc.Reference, AccessKey: n.rc.AccessKey},
		n.rc.Reference, tickets.Reply{Body: n.reply})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeskNotify_ACustomersReplyShowsInTheAssigneesCountAfterAPoll(t *testing.T) {
	t.Parallel()
	for _, oneClick := range []bool{true, false} {
		t.Run("1-Click="+strconv.FormatBool(oneClick), func(t *testing.T) {
			t.Parallel()
			n := newNotifyTeam(t, oneClick)
			d := doc(t, n.bo.open(t, "/en/desk", nil))
			if got := strings.TrimSpace(d.Find("#desk-unread").Text()); got != "1 unread" {
				t.Fatalf("Bo's menu after the assignment says %q, want 1 unread", got)
			}
			if got := strings.TrimSpace(doc(t, n.ana.open(t, "/en/desk", nil)).Find("#desk-unread").Text()); got != "" {
				t.Errorf("Ana, who assigned, has a count: %q", got)
			}
			poll := d.Find(".desk-poll")
			src := poll.AttrOr("data-hx-get", poll.AttrOr("data-hx-post", ""))
			if !strings.Contains(src, "n=1") {
				t.Fatalf("the poll %q does not carry the count it shows", src)
			}
			pollNow := func() (int, string) {
				u, _ := url.Parse(src)
				w := n.bo.open(t, u.Path, u.Query(), "HX-Request", "true")
				return w.Code, w.Body.String()
			}
			if code, _ := pollNow(); code != http.StatusNoContent {
				t.Fatalf("poll with nothing new: %d, want 204", code)
			}
			n.customerReplies(t)
			code, body := pollNow()
			if code != http.StatusOK {
				t.Fatalf("poll after the reply: %d", code)
			}
			pd, err := goquery.NewDocumentFromReader(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			oob := pd.Find(`#desk-unread[data-hx-swap-oob="true"]`)
			if oob.Length() != 1 || strings.TrimSpace(oob.Text()) != "2 unread" {
				t.Fatalf("the poll's answer has no out-of-band count of 2: %q", body)
			}
			if got := pd.Find("section.desk-queue").AttrOr("data-announce", ""); got != "2 unread" {
				t.Errorf("the live region says %q", got)
			}
			// Without JavaScript, a reload shows it.
			if got := strings.TrimSpace(doc(t, n.bo.open(t, "/en/desk", nil)).Find("#desk-unread").Text()); got != "2 unread" {
				t.Errorf("after a reload Bo's menu says %q", got)
			}
		})
	}
}

func TestDeskNotify_ListLinksTicketsWithoutContentAndMarksRead(t *testing.T) {
	t.Parallel()
	for _, oneClick := range []bool{true, false} {
		t.Run("1-Click="+strconv.FormatBool(oneClick), func(t *testing.T) {
			t.Parallel()
			n := newNotifyTeam(t, oneClick)
			n.customerReplies(t)
			d := doc(t, n.bo.open(t, "/en/desk/notifications", nil))
			items := d.Find("#notify-items li.notify-item.unread")
			if items.Length() != 2 {
				t.Fatalf("%d unread entries, want 2 (assigned, reply)", items.Length())
			}
			if got := items.First().Find(".notify-kind").Text(); got != "The customer replied on your ticket" {
				t.Errorf("newest entry says %q", got)
			}
			if ref := strings.TrimSpace(items.First().Find(".desk-ref").Text()); ref != n.rc.Reference {
				t.Errorf("entry links %q, want the ticket %s", ref, n.rc.Reference)
			}
			if oneClick && items.First().Find("a.desk-ref").AttrOr("href", "") != "/en/desk/tickets/"+n.rc.Reference {
				t.Errorf("entry's link: %q", items.First().Find("a.desk-ref").AttrOr("href", ""))
			}
			page := d.Text()
			for _, leak := range []string{n.subject, n.body, n.customer, n.email, n.reply} {
				if strings.Contains(page, leak) {
					t.Errorf("the list shows ticket content %q", leak)
				}
			}
			id := items.First().Find(`input[name="id"]`).AttrOr("value", "")
			// Ana may not mark Bo's.
			w := n.ana.send(t, "/en/desk/notifications/read", url.Values{"id": {id}})
			wantStatus(t, w, http.StatusNotFound)
			if doc(t, w).Find("#form-error").Length() != 1 {
				t.Error("marking another agent's notification is not explained")
			}
			d = n.notifyAfter(t, n.bo, n.bo.send(t, "/en/desk/notifications/read", url.Values{"id": {id}}), "/en/desk/notifications?done=read")
			if d.Find("#notify-items li.unread").Length() != 1 || strings.TrimSpace(d.Find("#desk-unread").Text()) != "1 unread" {
				t.Errorf("after marking one read: %d unread entries, menu %q", d.Find("#notify-items li.unread").Length(), d.Find("#desk-unread").Text())
			}
			if d.Find("#desk-notice").Text() != "Marked read." {
				t.Errorf("notice %q", d.Find("#desk-notice").Text())
			}
			d = n.notifyAfter(t, n.bo, n.bo.send(t, "/en/desk/notifications/read", url.Values{"all": {"1"}}), "/en/desk/notifications?done=all")
			if d.Find("#notify-items li.unread").Length() != 0 || d.Find("#desk-unread").Text() != "" || d.Find("#notify-read-all").Length() != 0 {
				t.Error("after marking all read, something is still unread")
			}
			// Opening the ticket marks its notifications read.
			n.customerReplies(t)
			if got := strings.TrimSpace(doc(t, n.bo.open(t, "/en/desk", nil)).Find("#desk-unread").Text()); got != "1 unread" {
				t.Fatalf("after another reply: %q", got)
			}
			td := doc(t, n.bo.open(t, "/en/desk/tickets/"+n.rc.Reference, nil))
			if got := td.Find("#desk-unread").Text(); got != "" {
				t.Errorf("the opened ticket's page still counts %q", got)
			}
			if c, _ := n.a.h.Notify.Unread(context.Background(), n.boID); c != 0 {
				t.Errorf("%d unread after opening the ticket", c)
			}
			for _, bad := range []string{"x", "", "999999"} {
				wantStatus(t, n.bo.send(t, "/en/desk/notifications/read", url.Values{"id": {bad}}), http.StatusNotFound)
			}
			// No state change on GET.
			w = n.a.get(t, "/en/desk/notifications/read?all=1")
			if w.Code != http.StatusSeeOther && w.Code != http.StatusFound && w.Code != http.StatusMovedPermanently {
				t.Errorf("GET of the mark form: %d", w.Code)
			}
		})
	}
}

// notifyAfter follows a change's answer: the 303 with 1-Click, the page without.
func (n *notifyTeam) notifyAfter(t *testing.T, d *deskAgent, w *httptest.ResponseRecorder, wantLoc string) *goquery.Document {
	t.Helper()
	if d.cookie != "" {
		wantStatus(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != wantLoc {
			t.Fatalf("redirected to %q, want %q", loc, wantLoc)
		}
		w = n.a.get(t, wantLoc, "Cookie", d.cookie)
	}
	wantStatus(t, w, http.StatusOK)
	return doc(t, w)
}

func TestDeskNotify_SettingsChooseChannelsAndTopics(t *testing.T) {
	t.Parallel()
	for _, oneClick := range []bool{true, false} {
		t.Run("1-Click="+strconv.FormatBool(oneClick), func(t *testing.T) {
			t.Parallel()
			n := newNotifyTeam(t, oneClick)
			d := doc(t, n.ana.open(t, "/en/desk/notifications/settings", nil))
			for _, k := range notify.Kinds {
				if got, want := d.Find("#desk-"+string(k)).Is("[checked]"), notify.Defaults[k].Desk; got != want {
					t.Errorf("%s in the desk: checked %v, default %v", k, got, want)
				}
				if got, want := d.Find("#mail-"+string(k)).Is("[checked]"), notify.Defaults[k].Mail; got != want {
					t.Errorf("%s by mail: checked %v, default %v", k, got, want)
				}
			}
			if got := d.Find("#notify-handle").Text(); !strings.Contains(got, "@analima") {
				t.Errorf("the handle line says %q", got)
			}
			if d.Find(`input[name="topic"][value="billing"]`).Length() != 1 {
				t.Fatal("no topic to follow")
			}
			// A topic that is not one is explained, the choices kept.
			w := n.ana.send(t, "/en/desk/notifications/settings/save", url.Values{"topic": {"billing", "nonsense"}, "mail-mention": {"1"}})
			wantStatus(t, w, http.StatusBadRequest)
			bd := doc(t, w)
			if bd.Find("#form-error").Text() != "Please choose topics from the list." || !bd.Find("#mail-mention").Is("[checked]") || bd.Find("#desk-mention").Is("[checked]") {
				t.Error("the refused form is not explained or lost the choices")
			}
			form := url.Values{"topic": {"billing"}, "desk-new_ticket": {"1"}, "desk-assigned": {"1"}}
			d = n.notifyAfter(t, n.ana, n.ana.send(t, "/en/desk/notifications/settings/save", form), "/en/desk/notifications/settings?done=saved")
			if d.Find("#desk-notice").Text() != "Your notification settings are saved." || !d.Find("#topic-billing").Is("[checked]") ||
				d.Find("#mail-assigned").Is("[checked]") || !d.Find("#desk-assigned").Is("[checked]") {
				t.Error("the saved settings are not shown back")
			}
			// The followed topic tells Ana of a new ticket there; Bo follows nothing.
			guestTicket(t, n.a, "Ida Guest", "ida@example.org", "billing", "Another question", "Some words.")
			list, _ := n.a.h.Notify.List(context.Background(), n.ana.session(t).AccountID, 10)
			if len(list) != 1 || list[0].Kind != notify.NewTicket {
				t.Errorf("Ana's list after a new billing ticket: %+v", list)
			}
			if list, _ := n.a.h.Notify.List(context.Background(), n.boID, 10); len(list) != 1 {
				t.Errorf("Bo, who follows nothing, got %d notifications (want only the assignment)", len(list))
			}
		})
	}
}

// Neither the database, its WAL, the logs nor any .eml file holds the
// ticket's subject, body, customer's name or address in plain; the agent's
// notification mail says only that something waits, with the desk's link.
func TestDeskNotify_NoTicketContentInNotificationsOrTheirMail(t *testing.T) {
	t.Parallel()
	n := newNotifyTeam(t, true)
	n.customerReplies(t)
	if err := n.a.h.Tickets.Note(context.Background(), tickets.Viewer{Session: n.bo.session(t)}, n.rc.Reference,
		"Asking @analima: "+n.body); err != nil {
		t.Fatal(err)
	}
	if _, err := n.a.h.Notify.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := n.a.outbox.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"subject": n.subject, "body": n.body, "customer name": n.customer,
		"customer address": n.email, "reply": n.reply}
	if found := storetest.FindSecrets(t, n.a.db, n.a.logs.Bytes(), secrets); len(found) > 0 {
		t.Errorf("ticket content in plain: %v", found)
	}
	var toAgents int
	for _, eml := range testsupport.MailFiles(t, n.a.mailDir) {
		toAgent := strings.Contains(eml, "@staff.example")
		for what, s := range secrets {
			// The customer's own notices go to their address, and only there.
			if strings.Contains(eml, s) && (toAgent || what != "customer address") {
				t.Errorf("a mail holds the %s", what)
			}
		}
		if !toAgent {
			continue
		}
		toAgents++
		if strings.Contains(eml, n.rc.Reference) {
			t.Errorf("an agent's notification mail names the ticket:\n%s", eml)
		}
		if !strings.Contains(eml, "http://example.com/en/desk/notifications") {
			t.Errorf("an agent's notification mail lacks the desk's link:\n%s", eml)
		}
	}
	if toAgents != 2 { // Bo (assigned, then the reply coalesced), Ana (mentioned)
		t.Errorf("%d notification mails to agents, want 2", toAgents)
	}
}

// The SLA sweep's hook, as Build wires it: a breached or at-risk timer tells
// the ticket's assignee once per state; an unassigned ticket or a timer on
// track tells nobody.
func TestDeskNotify_SLASweepTellsTheAssigneeOncePerState(t *testing.T) {
	t.Parallel()
	n := newNotifyTeam(t, true)
	ctx := context.Background()
	tk, err := n.a.h.Tickets.Open(ctx, tickets.Viewer{Session: n.bo.session(t)}, n.rc.Reference)
	if err != nil {
		t.Fatal(err)
	}
	hook := slaNotifier(n.a.h.Notify, n.a.h.Log)
	hook(ctx, tk.ID, 0, tickets.SLABreached)
	hook(ctx, tk.ID, n.boID, tickets.SLAOnTrack)
	hook(ctx, tk.ID, n.boID, tickets.SLAAtRisk)
	hook(ctx, tk.ID, n.boID, tickets.SLABreached)
	hook(ctx, tk.ID, n.boID, tickets.SLABreached)
	kinds := map[string]int{}
	doc(t, n.bo.open(t, "/en/desk/notifications", nil)).Find(".notify-kind").Each(func(_ int, s *goquery.Selection) {
		kinds[strings.TrimSpace(s.Text())]++
	})
	want := map[string]int{"A ticket was assigned to you": 1, "A target of your ticket is at risk": 1, "A target of your ticket was missed": 1}
	for k, c := range want {
		if kinds[k] != c {
			t.Errorf("Bo's list has %v, want %v", kinds, want)
			break
		}
	}
	if len(kinds) != len(want) {
		t.Errorf("Bo's list has %v, want %v", kinds, want)
	}
}

// A disabled agent is told nothing more: no line in the desk, no mail.
func TestDeskNotify_ADisabledAgentIsToldNothing(t *testing.T) {
	t.Parallel()
	n := newNotifyTeam(t, true)
	ctx := context.Background()
	count := func() (lines int) {
		t.Helper()
		if err := n.a.db.Read.QueryRow(`SELECT count(*) FROM notifications WHERE agent_id = $1`, n.boID).Scan(&lines); err != nil {
			t.Fatal(err)
		}
		return lines
	}
	before, mails := count(), n.a.mailCount(t)
	if before == 0 {
		t.Fatal("Bo was not told of the assignment: the test proves nothing")
	}
	if err := n.a.accounts.AsOperator().SetEnabled(ctx, n.boID, false); err != nil {
		t.Fatal(err)
	}
	n.customerReplies(t)
	if _, err := n.a.h.Notify.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n.a.outbox.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != before {
		t.Errorf("disabled Bo has %d notifications, had %d", got, before)
	}
	if got := n.a.mailCount(t); got != mails {
		t.Errorf("%d mails after Bo was disabled, were %d", got, mails)
	}
}
