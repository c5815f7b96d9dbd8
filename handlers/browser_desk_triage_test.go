package handlers

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"zerodesk/internal/accounts"
)

// An agent tags a ticket, filters the queue by the tag and bulk-closes the
// page: with and without JavaScript.
func TestBrowser_AgentTagsAndBulkCloses(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			b := newBrowserTab(t, tabOptions(js)...)
			rc := guestTicket(t, b.app, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
			guestTicket(t, b.app, "Ada Lovelace", "ada@example.com", "billing", "Invoice question", "Where is my invoice?")
			b.staffLogin(accounts.Agent, "Grace Hopper", "grace@example.com", true)

			b.open("/en/desk/tickets/"+rc.Reference, 200)
			b.typeInto("#tags-add", "VIP")
			b.follow("adding the tag", chromedp.Click(chromedp.CSS("#tags-add-button")))
			b.check("the tag", `document.querySelector("#tags").textContent.includes("vip")`)
			b.checkAccessibility("a ticket with its tags")

			b.open("/en/desk?tag=vip", 200)
			b.check("one ticket tagged vip", `document.querySelectorAll("#queue-table tbody tr").length === 1`)
			b.open("/en/desk", 200)
			b.check("two tickets", `document.querySelectorAll("#queue-table tbody tr").length === 2`)
			b.click("#bulk-all")
			if js {
				b.waitFor("every row ticked", `Array.from(document.querySelectorAll("[data-bulk-row]")).every(function (c) { return c.checked; })`)
			}
			b.do("choosing Close", chromedp.SetValue(chromedp.CSS("#bulk-do"), "close"))
			b.follow("applying", chromedp.Click(chromedp.CSS("#bulk-apply")))
			b.check("the result line", `document.querySelector("#bulk-result").textContent.includes("2 tickets changed.")`)
			b.check("the queue is empty", `!!document.querySelector("#queue-empty")`)
			b.checkAccessibility("the queue after a bulk action")
			// Redirect after POST: a reload asks nothing, sends nothing
			// again, and the result was for once.
			b.follow("reloading", chromedp.Reload())
			b.check("no result line after a reload", `!document.querySelector("#bulk-result")`)
			b.check("still the queue", `!!document.querySelector("#queue-empty")`)
		})
	}
}

// Two agents on one ticket see the warning: on load (without JavaScript
// too), and through the poll, which says who is writing.
func TestBrowser_TwoAgentsOnOneTicketSeeTheWarning(t *testing.T) {
	t.Parallel()
	grace := newBrowserTab(t)
	rc := guestTicket(t, grace.app, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	grace.staffLogin(accounts.Agent, "Grace Hopper", "grace@example.com", true)
	grace.open("/en/desk/tickets/"+rc.Reference, 200)
	grace.check("alone", `document.querySelectorAll("#presence .warning").length === 0`)

	linus := grace.sibling(true) // without JavaScript
	linus.staffLogin(accounts.Agent, "Linus Pauling", "linus@example.com", true)
	linus.open("/en/desk/tickets/"+rc.Reference, 200)
	linus.check("Grace is there, on load", `document.querySelector("#presence").textContent.includes("Grace Hopper also has this ticket open.")`)
	linus.checkAccessibility("a ticket with the warning")

	grace.waitLong("the poll to see Linus", `document.querySelector("#presence").textContent.includes("Linus Pauling also has this ticket open.")`, 15*time.Second)
	grace.checkAccessibility("a ticket with the warning, polled")

	// Grace writes: a third agent's page (with JavaScript) learns it by the poll.
	ada := grace.sibling(false)
	ada.staffLogin(accounts.Admin, "Ada Admin", "ada@example.com", true)
	ada.open("/en/desk/tickets/"+rc.Reference, 200)
	grace.typeInto("#reply-body", "Hello Alan")
	ada.waitLong("the poll to say Grace is writing", `document.querySelector("#presence").textContent.includes("Grace Hopper is writing a reply")`, 25*time.Second)
}

// The shortcuts move through the queue, open a ticket, go to the reply, and
// "?" opens the help dialog (focus in, Escape out, focus back); none fires
// inside a text field.
func TestBrowser_ShortcutsMoveAndOpenTheOverlay(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	guestTicket(t, b.app, "Alan Turing", "alan@example.com", "login", "Cannot sign in", "The second step refuses my password.")
	guestTicket(t, b.app, "Ada Lovelace", "ada@example.com", "billing", "Invoice question", "Where is my invoice?")
	b.staffLogin(accounts.Agent, "Grace Hopper", "grace@example.com", true)
	b.open("/en/desk", 200)
	b.check("the help button shows with JavaScript", `!document.querySelector("[data-keys-button]").hidden`)

	b.do("focusing the search field", chromedp.Focus(chromedp.CSS("#f-text")))
	b.press("j")
	b.waitForFocus("still the search field (typing)", `el.id === "f-text"`)
	b.do("leaving the field", chromedp.Blur(chromedp.CSS("#f-text")))
	b.press("j")
	b.waitForFocus("the first row", `el.closest("tr") === document.querySelectorAll("#queue-table tbody tr")[0]`)
	b.press("j")
	b.waitForFocus("the second row", `el.closest("tr") === document.querySelectorAll("#queue-table tbody tr")[1]`)
	b.press("k")
	b.waitForFocus("the first row again", `el.closest("tr") === document.querySelectorAll("#queue-table tbody tr")[0]`)

	b.press("?")
	b.waitFor("the dialog", `document.querySelector("#keys-dialog").open`)
	b.waitForFocus("the dialog's title", `el.id === "keys-title"`)
	b.checkAccessibility("the shortcuts' help")
	b.press(kb.Escape)
	b.waitFor("the dialog closed", `!document.querySelector("#keys-dialog").open`)
	b.waitForFocus("back on the row", `el.closest("tr") === document.querySelectorAll("#queue-table tbody tr")[0]`)

	ref := evalJS[string](b, `document.querySelectorAll("#queue-table tbody tr")[0].querySelector(".desk-ref").textContent.trim()`)
	b.follow("opening with o", chromedp.KeyEvent("o"))
	b.check("the ticket", `location.pathname === "/en/desk/tickets/`+ref+`"`)
	b.press("r")
	b.waitForFocus("the reply", `el.id === "reply-body"`)
	b.press("n") // inside the reply: typed, not a shortcut to the note
	b.waitForFocus("still the reply", `el.id === "reply-body"`)
}
