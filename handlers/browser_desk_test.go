package handlers

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
	"zerodesk/internal/tickets"
)

// staffLogin signs a new staff member in through the staff login in the
// browser (first login: password and phrase), 1-Click on or off, and ends on
// My account.
func (b *browserTab) staffLogin(role accounts.Role, name, email string, oneClick bool) {
	b.t.Helper()
	usercode, err := b.app.accounts.CreateStaff(context.Background(), role, name, email)
	if err != nil {
		b.t.Fatal(err)
	}
	b.open("/en/login/staff", 200)
	b.typeInto("#usercode", string(usercode))
	// The staff login starts with 1-Click off (shared desk computers).
	if evalJS[bool](b, `document.querySelector('input[name="oneclick"]').checked`) != oneClick {
		b.click(`input[name="oneclick"]`)
	}
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.typeInto("#new-password", testPassword)
	b.follow("activating", chromedp.Click(chromedp.CSS(`form.account-form > p > button:not([name])`)))
	if oneClick {
		// A 1-Click staff login lands on the desk; the helper ends on My account.
		b.check("the desk", `location.pathname === "/en/desk" && !!document.querySelector(".desk-menu")`)
		b.open("/en/account", 200)
	}
	b.check("My account", `document.querySelector("#account-name").textContent === `+strconv.Quote(name))
}

// waitLong is waitFor with a longer bound, for the queue's 10-second polling.
func (b *browserTab) waitLong(what, expr string, d time.Duration) {
	b.t.Helper()
	b.waitWithin(what, expr, 100*time.Millisecond, d)
}

func TestBrowser_AgentWorksATicketFromTheQueue(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	ctx := context.Background()
	a := b.app
	// The agent works in Tokyo: the desk shows times in that zone.
	if _, err := chromedp.Call(b.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	// An admin wrote a canned reply; a guest opened a ticket.
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", true)
	if err := a.tickets.SaveCanned(ctx, tickets.Viewer{Session: admin.session(t)}, tickets.Canned{Lang: "en", Title: "Reset steps",
		Body: "Open Reset Account from any page and follow the steps."}); err != nil {
		t.Fatal(err)
	}
	rc := guestTicket(t, a, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")

	b.staffLogin(accounts.Agent, "Grace Hopper", "grace@example.com", true)
	b.follow("opening the desk", chromedp.Click(chromedp.CSS(`#desk-entry a[href="/en/desk"]`)))
	b.check("the queue", `document.querySelector("h1").textContent === "Ticket queue"`)
	b.check("the guest's ticket is listed", `document.querySelector("#queue-table tbody").textContent.includes("`+rc.Reference+`")`)
	b.checkAccessibility("the queue")

	// A new ticket appears without reloading, and the live region says so;
	// the focus stays where the agent left it.
	b.markPage()
	b.do("focusing the search field", chromedp.Focus(chromedp.CSS("#f-text")))
	guestTicket(t, a, "Edsger Dijkstra", "edsger@example.com", "billing", "Invoice question", "Where is my invoice for March?")
	b.waitLong("the polling to bring the new ticket", `document.querySelectorAll("#queue-table tbody tr").length === 2`, 15*time.Second)
	b.waitFor("the announcement", `document.querySelector("#queue-announce").textContent === "1 new ticket in the queue"`)
	b.waitFor("the polled rows' times in Tokyo", `Array.from(document.querySelectorAll("#queue-table tbody time")).every(function (t) {
		return t.textContent.includes("GMT+9") && t.title.includes("UTC");
	})`)
	b.checkNoNavigation("/en/desk")
	b.waitForFocus("the search field", `el.id === "f-text"`)

	// A filter with JavaScript: the list alone is replaced, its heading focused.
	b.do("choosing the billing topic", chromedp.SetValue(chromedp.CSS("#f-topic"), "billing"))
	b.click(`.desk-filters-go button`)
	b.waitFor("the filtered list", `document.querySelectorAll("#queue-table tbody tr").length === 1`)
	b.waitForFocus("the list's heading", `el.id === "queue-title"`)
	b.checkNoNavigation("/en/desk?status=&priority=&topic=billing&assignee=&q=&tag=&sort=")
	b.checkAccessibility("the filtered queue")

	b.open("/en/desk", 200)
	b.follow("opening the ticket", chromedp.Click(chromedp.CSS(`#queue-table a[href="/en/desk/tickets/`+rc.Reference+`"]`)))
	b.check("the ticket", `document.querySelector(".thread").textContent.includes("The second step refuses my password.")`)
	b.check("the message's time in Tokyo", `(function (t) {
		return t.textContent.includes("GMT+9") && t.title.includes("UTC");
	})(document.querySelector(".thread time"))`)
	b.checkAccessibility("the ticket")

	b.follow("assigning to me", chromedp.Click(chromedp.CSS("#assign-me")))
	b.check("assigned", `document.querySelector("#ticket-assignee").textContent.includes("Grace Hopper")`)

	// The canned reply and an article link go into the reply in place.
	b.markPage()
	b.typeInto("#reply-body", "Hello Alan,")
	evalJS[chromedp.Void](b, `(function (s) {
		s.value = Array.from(s.options).find(function (o) { return o.textContent === "Reset steps"; }).value;
	})(document.querySelector("#canned-select"))`)
	b.click("[data-desk-canned]")
	b.waitFor("the canned text", `document.querySelector("#reply-body").value === "Hello Alan,\n\nOpen Reset Account from any page and follow the steps."`)
	b.typeInto("#article-q", "password")
	b.click("[data-desk-find]")
	b.waitFor("the articles found", `document.querySelector("#article-results [data-link]")`)
	b.waitForFocus("the results' count", `el.id === "article-count"`)
	b.checkAccessibility("the ticket with articles found")
	b.click("#article-results [data-link]")
	b.waitFor("the link in the reply", `document.querySelector("#reply-body").value.includes("\n\nhttp://")`)
	b.checkNoNavigation("/en/desk/tickets/" + rc.Reference + "?done=assigned")

	b.follow("sending the reply", chromedp.Click(chromedp.CSS(`#compose button[value="send"]`)))
	b.check("the reply is in the conversation", `document.querySelector(".thread .msg-agent").textContent.includes("Open Reset Account")`)
	b.check("the notice", `document.querySelector("#desk-notice").textContent.includes("Your reply was sent")`)

	b.typeInto("#note-body", "Asked for the reset; check again Monday.")
	b.follow("adding a note", chromedp.Click(chromedp.CSS(`.desk-note-form button[type="submit"]`)))
	b.check("the note, set apart", `document.querySelector(".thread .msg-note").textContent.includes("check again Monday")`)

	b.follow("resolving", chromedp.Click(chromedp.CSS("#resolve")))
	b.check("resolved", `document.querySelector("#ticket-status").textContent.includes("Resolved")`)
	b.check("the history", `document.querySelectorAll("#history li").length >= 5`)
	b.checkAccessibility("the resolved ticket")
}

func TestBrowser_DeskWorksWithoutJavaScriptOrCookie(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, withoutJavaScript())
	rc := guestTicket(t, b.app, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	b.staffLogin(accounts.Agent, "Grace Hopper", "grace@example.com", false)
	b.follow("opening the desk", chromedp.Click(chromedp.CSS(`#desk-entry button`)))
	b.check("the queue", `document.querySelector("#queue-table tbody").textContent.includes("`+rc.Reference+`")`)

	b.do("choosing a priority", chromedp.SetValue(chromedp.CSS("#f-priority"), "urgent"))
	b.follow("filtering", chromedp.Click(chromedp.CSS(`.desk-filters-go button`)))
	b.check("nothing urgent", `!!document.querySelector("#queue-empty")`)
	b.check("the choice is kept", `document.querySelector("#f-priority").value === "urgent"`)

	b.do("any priority", chromedp.SetValue(chromedp.CSS("#f-priority"), ""))
	b.follow("filtering again", chromedp.Click(chromedp.CSS(`.desk-filters-go button`)))
	b.follow("opening the ticket", chromedp.Click(chromedp.CSS(`#queue-table form[action="/en/desk/tickets/`+rc.Reference+`"] button`)))
	b.check("the ticket", `document.querySelector(".thread").textContent.includes("The second step refuses my password.")`)

	b.typeInto("#article-q", "password")
	b.follow("finding articles", chromedp.Click(chromedp.CSS("[data-desk-find]")))
	b.follow("inserting a link", chromedp.Click(chromedp.CSS("#article-results [data-link]")))
	b.check("the link in the reply", `document.querySelector("#reply-body").value.startsWith("http://")`)
	b.follow("sending the reply", chromedp.Click(chromedp.CSS(`#compose button[value="send"]`)))
	b.check("sent", `document.querySelector("#desk-notice").textContent.includes("Your reply was sent")`)
	b.follow("resolving", chromedp.Click(chromedp.CSS("#resolve")))
	b.check("resolved", `document.querySelector("#ticket-status").textContent.includes("Resolved")`)
	b.follow("back to the queue", chromedp.Click(chromedp.CSS(`.desk-menu form[action="/en/desk"] button`)))
	b.check("the queue again", `document.querySelector("h1").textContent === "Ticket queue"`)
	b.check("the address holds no token", `location.pathname + location.search === "/en/desk"`)
	b.checkNoCookies()
}

// The admins' pages, in a session without a cookie, are checked by axe-core
// (which needs JavaScript to run).
func TestBrowser_AdminPagesWithoutCookieAreAccessible(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	guestTicket(t, b.app, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	b.app.h.Outbox = b.app.outbox
	b.staffLogin(accounts.Admin, "Ada Admin", "admin@example.com", false)
	b.follow("opening the desk", chromedp.Click(chromedp.CSS(`#desk-entry button`)))
	b.checkAccessibility("the queue, cookie-less")
	// The polling posts the token: a new ticket appears here too.
	guestTicket(t, b.app, "Edsger Dijkstra", "edsger@example.com", "billing", "Invoice question", "Where is my invoice?")
	b.waitLong("the polling to bring the new ticket", `document.querySelectorAll("#queue-table tbody tr").length === 2`, 15*time.Second)
	b.waitFor("the announcement", `document.querySelector("#queue-announce").textContent === "1 new ticket in the queue"`)
	b.follow("the topics", chromedp.Click(chromedp.CSS(`.desk-menu form[action="/en/desk/topics"] button`)))
	b.check("the topics page", `document.querySelector("h1").textContent === "Ticket topics"`)
	b.checkAccessibility("the topics")
	b.typeInto("#topic-new-key", "mobile")
	b.typeInto("#topic-new-en", "Mobile app")
	b.follow("adding a topic", chromedp.Click(chromedp.CSS(`.desk-topic:last-of-type button[type="submit"]`)))
	b.check("saved", `document.querySelector("#desk-notice").textContent === "Saved."`)
	b.follow("the canned replies", chromedp.Click(chromedp.CSS(`.desk-menu form[action="/en/desk/canned"] button`)))
	b.checkAccessibility("the canned replies")
	b.follow("the outbox", chromedp.Click(chromedp.CSS(`.desk-menu form[action="/en/desk/outbox"] button`)))
	b.check("the outbox lists the guest's mail", `document.querySelectorAll("#outbox tbody tr").length >= 1`)
	b.checkAccessibility("the outbox")
	b.checkNoCookies()
}

// The page buttons belong to the filter form (form="desk-filters"): with
// JavaScript the list alone changes page, keeping the filter.
func TestBrowser_QueuePagesInPlace(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	for i := range 22 {
		guestTicket(t, b.app, "Customer", "c"+strconv.Itoa(i)+"@example.com", "billing", "Invoice "+strconv.Itoa(i), "Where is my invoice?")
	}
	guestTicket(t, b.app, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "Refused.")
	b.staffLogin(accounts.Agent, "Grace Hopper", "grace@example.com", true)
	b.open("/en/desk?topic=billing", 200)
	b.check("page 1", `document.querySelector(".desk-pages p").textContent === "Page 1 of 2"`)
	b.markPage()
	b.click(`.desk-pages button[value="2"]`)
	b.waitFor("page 2", `document.querySelector(".desk-pages p") && document.querySelector(".desk-pages p").textContent === "Page 2 of 2"`)
	b.check("the filter kept", `document.querySelectorAll("#queue-table tbody tr").length === 2`)
	b.waitForFocus("the list's heading", `el.id === "queue-title"`)
	b.checkNoNavigation("/en/desk?status=&priority=&topic=billing&assignee=&q=&tag=&sort=&page=2")
}

// At 200% text on a 640-pixel window (320 CSS pixels of text at 100%, the
// reflow width of WCAG 1.4.10) the desk pages need no sideways scrolling;
// the queue's table scrolls inside its own region.
func TestBrowser_DeskReflowsAtTwiceTheTextSize(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, withViewport(640, 800))
	rc := guestTicket(t, b.app, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	b.staffLogin(accounts.Agent, "Grace Hopper", "grace@example.com", true)
	for _, path := range []string{"/en/desk?size=5", "/ar/desk?size=5", "/en/desk/tickets/" + rc.Reference + "?size=5", "/ar/desk/tickets/" + rc.Reference + "?size=5"} {
		b.open(path, 200)
		b.check(path+": no sideways scrolling", `document.documentElement.scrollWidth <= window.innerWidth`)
	}
	b.open("/en/desk?size=5", 200)
	b.check("the table scrolls in its region", `getComputedStyle(document.querySelector(".table-scroll")).overflowX === "auto"`)
}
