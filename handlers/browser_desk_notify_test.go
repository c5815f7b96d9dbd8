package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
	"zerodesk/internal/testsupport"
	"zerodesk/internal/tickets"
)

// notifyJourney: an admin assigns a guest's ticket to Grace, who is at the
// desk; the customer replies; Grace's menu counts it (after a poll with
// JavaScript, after a reload without), her list links the ticket, she marks
// it read, and her notification mail carries nothing of the ticket.
func notifyJourney(t *testing.T, b *browserTab, js bool) {
	ctx := context.Background()
	a := b.app
	const subject, body, name, reply = "Payroll export drops column nine", "Saffron kestrel: column nine is gone.", "Oskar Tiddlywink", "Velvet quokka: still broken."
	rc := guestTicket(t, a, name, "oskar.t@example.org", "billing", subject, body)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "ada@staff.example", true)
	wantStatus(t, admin.open(t, "/en/desk", nil), 200)

	b.staffLogin(accounts.Agent, "Grace Hopper", "grace@staff.example", js)
	if js {
		b.open("/en/desk", 200)
	} else {
		b.follow("opening the desk", chromedp.Click(chromedp.CSS(`#desk-entry button`)))
	}
	b.check("no count yet", `document.querySelector("#desk-unread").textContent.trim() === ""`)
	var grace int64
	agents, err := a.tickets.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ag := range agents {
		if ag.Name == "Grace Hopper" {
			grace = ag.ID
		}
	}
	if err := a.tickets.Assign(ctx, tickets.Viewer{Session: admin.session(t)}, rc.Reference, grace); err != nil {
		t.Fatal(err)
	}
	if err := a.tickets.Reply(ctx, tickets.Viewer{Reference: rc.Reference, AccessKey: rc.AccessKey}, rc.Reference, tickets.Reply{Body: reply}); err != nil {
		t.Fatal(err)
	}
	if js {
		b.markPage()
		b.waitLong("the poll to bring the count", `document.querySelector("#desk-unread").textContent.trim() === "2 unread"`, 15*time.Second)
		b.checkNoNavigation("/en/desk")
		b.waitFor("the announcement", `document.querySelector("#queue-announce").textContent === "2 unread"`)
	} else {
		b.follow("reloading the queue", chromedp.Click(chromedp.CSS(`.desk-menu form[action="/en/desk"] button`)))
		b.check("the count after the reload", `document.querySelector("#desk-unread").textContent.trim() === "2 unread"`)
	}
	b.checkAccessibility("the queue with unread notifications")

	if js {
		b.follow("opening the notifications", chromedp.Click(chromedp.CSS(`a#desk-notify-link`)))
	} else {
		b.follow("opening the notifications", chromedp.Click(chromedp.CSS(`button#desk-notify-link`)))
	}
	b.check("two unread entries", `document.querySelectorAll("#notify-items li.unread").length === 2`)
	b.check("the entry links the ticket", `document.querySelector("#notify-items li").textContent.includes("`+rc.Reference+`")`)
	b.check("no ticket content", `!document.body.textContent.includes("`+subject+`") && !document.body.textContent.includes("`+name+`")`)
	b.checkAccessibility("the notifications")
	b.follow("marking one read", chromedp.Click(chromedp.CSS(`#notify-items li .notify-read`)))
	b.check("one left", `document.querySelectorAll("#notify-items li.unread").length === 1 && document.querySelector("#desk-unread").textContent.trim() === "1 unread"`)
	b.follow("marking all read", chromedp.Click(chromedp.CSS(`#notify-read-all`)))
	b.check("none left", `document.querySelectorAll("#notify-items li.unread").length === 0 && document.querySelector("#desk-unread").textContent.trim() === ""`)
	if js {
		b.follow("opening the settings", chromedp.Click(chromedp.CSS(`a[href="/en/desk/notifications/settings"]`)))
	} else {
		b.follow("opening the settings", chromedp.Click(chromedp.CSS(`form[action="/en/desk/notifications/settings"] button`)))
	}
	b.checkAccessibility("the notification settings")
	b.click(`input[name="topic"][value="billing"]`)
	b.follow("saving the settings", chromedp.Click(chromedp.CSS(`#notify-save`)))
	b.check("saved", `document.querySelector("#desk-notice").textContent === "Your notification settings are saved." && document.querySelector("#topic-billing").checked`)
	if !js {
		b.checkNoCookies()
	}

	if _, err := a.outbox.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	mailed := 0
	for _, eml := range testsupport.MailFiles(t, a.mailDir) {
		if !strings.Contains(eml, "grace@staff.example") {
			continue
		}
		mailed++
		for _, leak := range []string{subject, body, name, reply, "oskar.t@example.org", rc.Reference} {
			if strings.Contains(eml, leak) {
				t.Errorf("Grace's notification mail holds %q:\n%s", leak, eml)
			}
		}
		if !strings.Contains(eml, "/en/desk/notifications") {
			t.Errorf("Grace's notification mail lacks the desk's link:\n%s", eml)
		}
	}
	if mailed != 1 {
		t.Errorf("%d notification mails to Grace, want 1 (the reply coalesced with the assignment)", mailed)
	}
}

func TestBrowser_ACustomersReplyNotifiesTheAssignedAgent(t *testing.T) {
	t.Parallel()
	notifyJourney(t, newBrowserTab(t), true)
}

func TestBrowser_ACustomersReplyNotifiesTheAssignedAgentWithoutJavaScript(t *testing.T) {
	t.Parallel()
	notifyJourney(t, newBrowserTab(t, withoutJavaScript()), false)
}
