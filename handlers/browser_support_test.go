package handlers

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
	"zerodesk/internal/tickets"
)

// fillTicket fills the guest ticket form as a person would.
func (b *browserTab) fillTicket(subject, body string) {
	b.t.Helper()
	b.typeInto("#support-name", "Ada Lovelace")
	b.typeInto("#support-email", "ada@example.com")
	b.typeInto("#support-subject", subject)
	b.typeInto("#support-body", body)
}

func TestBrowser_GuestTicketFromFormToRating(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	ctx := context.Background()
	b.open("/en/support", 200)
	b.checkAccessibility("/en/support")

	// The subject suggests help articles as it is typed.
	b.fillTicket("reset account", "I lost my password and my phone.")
	b.waitFor("suggested articles", `document.querySelector("#support-suggestions a[href^='/en/articles/']")`)
	b.checkAccessibility("/en/support with suggestions")

	// A filled honeypot is refused with the error summary focused, the
	// typing kept (the request is an HTMX swap: no page load).
	b.markPage()
	evalJS[chromedp.Void](b, `document.querySelector("#support-website").value = "http://spam.example"`)
	b.click(`#support-form button[type="submit"]`)
	b.waitForFocus("the error summary", `el.id === "error-summary"`)
	b.checkNoNavigation("/en/support")
	b.check("the subject is kept", `document.querySelector("#support-subject").value === "reset account"`)
	b.check("the honeypot is emptied", `document.querySelector("#support-website").value === ""`)
	b.checkAccessibility("/en/support with an error")

	// Send it with an attachment.
	file := filepath.Join(t.TempDir(), "screen.png")
	if err := os.WriteFile(file, testPNG, 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("choosing a file", chromedp.SetUploadFiles(chromedp.CSS("#support-files"), []string{file}))
	b.click(`#support-form button[type="submit"]`)
	b.waitFor("the confirmation", `document.querySelector("#sent-ref")`)
	b.waitForFocus("the confirmation's heading", `el.id === "sent-title"`)
	ref := evalJS[string](b, `document.querySelector("#sent-ref").textContent.trim()`)
	key := evalJS[string](b, `document.querySelector("#sent-key").textContent.trim()`)
	if !refPattern.MatchString(ref) || key == "" {
		t.Fatalf("reference %q, key %q", ref, key)
	}
	b.waitFor("the copy buttons", `document.querySelectorAll("dl.ticket-keys .copy-button").length === 2`)
	b.checkAccessibility("the confirmation")
	b.checkNoCookies()

	// The e-mailed link opens the ticket; the key then leaves the address bar.
	if _, err := b.app.outbox.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	link, err := url.Parse(ticketLinkFromMail(t, b.app, ref))
	if err != nil {
		t.Fatal(err)
	}
	b.open(link.RequestURI(), 200)
	b.check("the ticket", `document.querySelector("h1").textContent.includes("reset account")`)
	b.check("the attachment", `document.querySelector(".thread .download-form button").textContent === "screen.png"`)
	b.waitFor("the key gone from the address bar", `location.search === ""`)
	b.checkAccessibility("the ticket page")

	// The agent answers (through the service, standing in for the desk).
	agent := tickets.Viewer{Session: supportAgent(t, b.app)}
	if err := b.app.tickets.Reply(ctx, agent, ref, tickets.Reply{Body: "Please use Reset Account."}); err != nil {
		t.Fatal(err)
	}
	b.follow("showing new messages", chromedp.Click(chromedp.CSS("#ticket-refresh")))
	b.check("the agent's reply", `document.querySelector(".thread .msg-agent .msg-body").textContent === "Please use Reset Account."`)
	b.checkAccessibility("the ticket with a reply")

	// The guest answers.
	b.typeInto("#reply-body", "That worked, thank you.")
	b.follow("replying", chromedp.Click(chromedp.CSS(`.reply-form button[type="submit"]`)))
	b.check("the notice", `document.querySelector("#ticket-notice").textContent.includes("reply was sent")`)
	b.check("the answer in the thread", `[...document.querySelectorAll(".thread .msg-customer .msg-body")].some(e => e.textContent === "That worked, thank you.")`)
	b.checkAccessibility("the ticket after a reply")

	// The agent resolves; the guest rates.
	if err := b.app.tickets.SetStatus(ctx, agent, ref, tickets.StatusResolved); err != nil {
		t.Fatal(err)
	}
	b.follow("showing new messages", chromedp.Click(chromedp.CSS("#ticket-refresh")))
	b.check("the rating form", `document.querySelectorAll("fieldset.rating input[type=radio]").length === 5`)
	b.checkAccessibility("the ticket to rate")
	b.click(`fieldset.rating input[value="5"]`)
	b.typeInto("#rate-comment", "Quick and kind.")
	b.follow("rating", chromedp.Click(chromedp.CSS(`.rate-form button[type="submit"]`)))
	b.check("the rating", `document.querySelector("#rating").textContent.includes("5 of 5")`)
	b.checkAccessibility("the rated ticket")
	b.check("the address bar holds no key", `!location.href.includes(`+strconv.Quote(strings.Fields(key)[0])+`) && !location.search.includes("key")`)
	b.checkNoCookies()
}

// Without JavaScript the same flows work as plain forms (axe needs
// JavaScript: the pages are checked in the journeys with it).
func TestBrowser_GuestTicketWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, withoutJavaScript())
	b.open("/en/support?kind=comment", 200)
	b.check("the comment box is ticked", `document.querySelector("#support-comment").checked`)
	b.fillTicket("Lovely portal", "Just wanted to say the portal is clear.")
	b.follow("sending", chromedp.Click(chromedp.CSS(`#support-form button[type="submit"]`)))
	b.check("the confirmation", `!!document.querySelector("#sent-key")`)
	ref := evalJS[string](b, `document.querySelector("#sent-ref").textContent.trim()`)
	key := evalJS[string](b, `document.querySelector("#sent-key").textContent.trim()`)
	// Following from the confirmation keeps the key: the ticket opens with
	// nothing typed.
	b.follow("following the ticket", chromedp.Click(chromedp.CSS("#sent-follow")))
	b.check("the ticket, opened with no key typed", `document.querySelector(".thread .msg-body").textContent === "Just wanted to say the portal is clear."`)
	b.check("the address bar holds no key", `location.search === ""`)
	b.open("/en/support/tickets?ref="+ref, 200)
	b.check("the reference is filled in", `document.querySelector("#follow-ref").value === `+strconv.Quote(ref))
	b.typeInto("#follow-key", "WRONG KEY")
	b.follow("a wrong key", chromedp.Click(chromedp.CSS(`.follow-form button[type="submit"]`)))
	b.check("one message", `document.querySelector("#error-summary").textContent.includes("do not open a ticket")`)
	b.waitForFocus("the error summary", `el.id === "error-summary"`)
	b.typeInto("#follow-key", key)
	b.follow("the right key", chromedp.Click(chromedp.CSS(`.follow-form button[type="submit"]`)))
	b.check("the ticket", `document.querySelector(".thread .msg-body").textContent === "Just wanted to say the portal is clear."`)
	b.check("the address bar holds no key", `location.search === ""`)
	b.follow("closing", chromedp.Click(chromedp.CSS("#ticket-close")))
	b.check("closed", `document.querySelector("#ticket-status").textContent === "Closed"`)
	b.checkNoCookies()
}

// The confirmation keeps the key for the person: Follow opens the ticket
// without typing it, and they can print or save it (issue 10).
func TestBrowser_FollowFromTheConfirmationKeepsTheKey(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.open("/en/support", 200)
	b.fillTicket("Printer offline", "The office printer says offline.")
	b.click(`#support-form button[type="submit"]`)
	b.waitFor("the confirmation", `document.querySelector("#sent-ref")`)
	key := evalJS[string](b, `document.querySelector("#sent-key").textContent.trim()`)
	b.waitFor("the print button", `document.querySelector(".sent-actions #sent-print")`)
	b.check("save as a file", `document.querySelector(".sent-actions #sent-save").textContent === "Save as a file"`)
	b.checkAccessibility("the confirmation with save and print")
	b.follow("following the ticket", chromedp.Click(chromedp.CSS("#sent-follow")))
	b.check("the ticket, opened with no key typed", `document.querySelector("h1").textContent.includes("Printer offline")`)
	b.check("no key field to fill", `!document.querySelector("#follow-key")`)
	b.check("the address bar holds no key", `!location.href.includes(`+strconv.Quote(strings.Fields(key)[0])+`) && location.search === ""`)
	b.checkAccessibility("the ticket followed from the confirmation")
	b.checkNoCookies()
}

func TestBrowser_FollowFormWithAWrongKey(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	ref, _ := sendTicket(t, b.app, ticketForm(t, b.app))
	b.open("/en/support/tickets?ref="+ref, 200)
	b.checkAccessibility("the follow form")
	b.typeInto("#follow-key", "WRONG KEY")
	b.follow("a wrong key", chromedp.Click(chromedp.CSS(`.follow-form button[type="submit"]`)))
	b.waitForFocus("the error summary", `el.id === "error-summary"`)
	b.checkAccessibility("the follow form with an error")
	b.checkNoCookies()
}

// A customer signed in by usercode with 1-Click opens a ticket from My
// account, finds it in their list, and reads an agent's answer there.
func TestBrowser_SignedInUserSeesTheirTicketList(t *testing.T) {
	t.Parallel()
	b, _ := accountJourney(t, true)
	b.open("/en/account", 200)
	b.check("no tickets yet", `!!document.querySelector("#my-tickets")`)
	b.follow("opening a new ticket", chromedp.Click(chromedp.CSS(`#my-tickets a.button`)))
	b.check("signed in", `document.querySelector("#support-signed-in").textContent.includes("Ada Lovelace")`)
	b.check("no name or e-mail asked", `!document.querySelector("#support-name")`)
	b.checkAccessibility("the signed-in form")
	b.typeInto("#support-subject", "Invoice question")
	b.typeInto("#support-body", "Where is my invoice?")
	b.click(`#support-form button[type="submit"]`)
	b.waitFor("the confirmation", `document.querySelector("#sent-ref")`)
	ref := evalJS[string](b, `document.querySelector("#sent-ref").textContent.trim()`)
	b.open("/en/account", 200)
	b.check("the list", `document.querySelector("#my-tickets tbody tr").textContent.includes(`+strconv.Quote(ref)+`)`)
	b.checkAccessibility("My account with a ticket")
	b.follow("opening the ticket", chromedp.Click(chromedp.CSS(`#my-tickets a.ticket-open`)))
	b.check("the ticket", `document.querySelector(".thread .msg-body").textContent === "Where is my invoice?"`)
	b.checkAccessibility("the signed-in ticket page")

	// An agent answers at the desk (another browser context); the customer,
	// still signed in by 1-Click, finds the answer from their list.
	a := b.otherContext()
	a.staffLogin(accounts.Agent, "Grace Hopper", "grace@example.com", true)
	a.open("/en/desk/tickets/"+ref, 200)
	a.typeInto("#reply-body", "Your invoice is attached to your account.")
	a.follow("sending the reply", chromedp.Click(chromedp.CSS(`#compose button[value="send"]`)))
	a.check("sent", `document.querySelector("#desk-notice").textContent.includes("Your reply was sent")`)
	b.open("/en/account", 200)
	b.follow("opening the ticket again", chromedp.Click(chromedp.CSS(`#my-tickets a.ticket-open`)))
	b.check("the agent's answer", `document.querySelector(".thread .msg-agent .msg-body").textContent === "Your invoice is attached to your account."`)
	b.checkAccessibility("the signed-in ticket page with the answer")
}

// At 200% text size on a narrow screen, left to right and right to left, the
// ticket pages need no sideways scroll.
func TestBrowser_SupportPagesAtLargeTextNeedNoSidewaysScroll(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t, withViewport(640, 900))
	ref, key := sendTicket(t, b.app, ticketForm(t, b.app), testFile{"a-rather-long-file-name-for-a-screenshot.png", testPNG})
	ticket := "/support/tickets/" + ref + "?size=5&key=" + url.QueryEscape(key)
	for _, path := range []string{"/en/support?size=5", "/ar/support?size=5", "/ar/support/tickets?size=5", "/en" + ticket, "/ar" + ticket} {
		b.open(path, 200)
		got := evalJS[[]int](b, `[document.documentElement.scrollWidth, innerWidth]`)
		if got[0] <= got[1]+1 {
			continue
		}
		wide := evalJS[[]string](b, `Array.from(document.querySelectorAll("body *")).filter(function (e) {
			var r = e.getBoundingClientRect();
			return r.right > innerWidth + 1 || r.left < -1;
		}).slice(0, 6).map(function (e) {
			return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "");
		})`)
		t.Errorf("%s: the page scrolls sideways: scrollWidth %d > innerWidth %d; too wide: %s", path, got[0], got[1], strings.Join(wide, ", "))
	}
	b.open("/ar/support", 200)
	b.check("right to left", `document.documentElement.dir === "rtl"`)
	b.checkAccessibility("/ar/support")
}
