package handlers

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
)

// Issue 5 end to end, both sides through their own pages and nothing else: a
// guest (one browser context, no cookie) and an agent (another context, its
// own cookie jar, 1-Click on) work the same ticket from the form to the
// rating.
func TestBrowser_TicketJourneyGuestAndAgentThroughTheirPages(t *testing.T) {
	t.Parallel()
	g := newBrowserTab(t)
	ctx := context.Background()

	// 1. The guest fills every field, attaches a file and sends.
	g.open("/en/support", 200)
	g.fillTicket("Invoice twice", "My card was charged twice for March.")
	g.do("choosing the topic", chromedp.SetValue(chromedp.CSS("#support-topic"), "billing"))
	g.check("the topic is chosen", `document.querySelector("#support-topic").value === "billing"`)
	file := filepath.Join(t.TempDir(), "receipt.png")
	if err := os.WriteFile(file, testPNG, 0o600); err != nil {
		t.Fatal(err)
	}
	g.do("choosing a file", chromedp.SetUploadFiles(chromedp.CSS("#support-files"), []string{file}))
	g.click(`#support-form button[type="submit"]`)
	g.waitFor("the confirmation", `document.querySelector("#sent-ref")`)
	ref := evalJS[string](g, `document.querySelector("#sent-ref").textContent.trim()`)
	key := evalJS[string](g, `document.querySelector("#sent-key").textContent.trim()`)
	if !refPattern.MatchString(ref) || key == "" {
		t.Fatalf("reference %q, key %q", ref, key)
	}

	// 2. The e-mailed link opens the ticket with the message and the file.
	if _, err := g.app.outbox.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	link, err := url.Parse(ticketLinkFromMail(t, g.app, ref))
	if err != nil {
		t.Fatal(err)
	}
	g.open(link.RequestURI(), 200)
	g.check("the subject", `document.querySelector("h1").textContent.includes("Invoice twice")`)
	g.check("the message", `document.querySelector(".thread .msg-customer .msg-body").textContent === "My card was charged twice for March."`)
	g.check("the attachment", `document.querySelector(".thread .download-form button").textContent === "receipt.png"`)
	g.waitFor("the key gone from the address bar", `location.search === ""`)
	g.checkAccessibility("the guest's ticket page")

	// 3. The agent, in another browser context, finds the ticket in the
	// queue, takes it and replies.
	a := g.otherContext()
	a.staffLogin(accounts.Agent, "Grace Hopper", "grace@example.com", true)
	a.follow("opening the desk", chromedp.Click(chromedp.CSS(`#desk-entry a[href="/en/desk"]`)))
	a.check("the ticket is queued", `document.querySelector("#queue-table tbody").textContent.includes(`+strconv.Quote(ref)+`)`)
	a.follow("opening the ticket", chromedp.Click(chromedp.CSS(`#queue-table a[href="/en/desk/tickets/`+ref+`"]`)))
	a.check("the guest's message", `document.querySelector(".thread .msg-customer .msg-body").textContent === "My card was charged twice for March."`)
	a.check("the guest's file", `document.querySelector(".thread").textContent.includes("receipt.png")`)
	a.follow("assigning to me", chromedp.Click(chromedp.CSS("#assign-me")))
	a.check("assigned", `document.querySelector("#ticket-assignee").textContent.includes("Grace Hopper")`)
	a.typeInto("#reply-body", "We refunded the second charge.")
	a.follow("sending the reply", chromedp.Click(chromedp.CSS(`#compose button[value="send"]`)))
	a.check("sent", `document.querySelector("#desk-notice").textContent.includes("Your reply was sent")`)
	a.check("the reply in the conversation", `document.querySelector(".thread .msg-agent .msg-body").textContent === "We refunded the second charge."`)

	// 4. The guest asks for new messages (the key in a POST form), reads the
	// reply and answers.
	g.follow("showing new messages", chromedp.Click(chromedp.CSS("#ticket-refresh")))
	g.check("the agent's reply", `document.querySelector(".thread .msg-agent .msg-body").textContent === "We refunded the second charge."`)
	g.typeInto("#reply-body", "I see it on my statement, thanks.")
	g.follow("replying", chromedp.Click(chromedp.CSS(`.reply-form button[type="submit"]`)))
	g.check("the notice", `document.querySelector("#ticket-notice").textContent.includes("reply was sent")`)

	// 5. The agent sees the answer and resolves through the status form.
	a.open("/en/desk/tickets/"+ref, 200)
	a.check("the guest's answer", `[...document.querySelectorAll(".thread .msg-customer .msg-body")].some(e => e.textContent === "I see it on my statement, thanks.")`)
	a.checkAccessibility("the agent's ticket page")
	a.do("choosing resolved", chromedp.SetValue(chromedp.CSS("#set-status"), "resolved"))
	a.follow("changing the status", chromedp.Click(chromedp.CSS(`form:has(#set-status) button[type="submit"]`)))
	a.check("resolved", `document.querySelector("#ticket-status").textContent.trim() === "Resolved"`)

	// 6. The guest sees it resolved and rates it; the agent's history shows
	// the rating.
	g.follow("showing new messages", chromedp.Click(chromedp.CSS("#ticket-refresh")))
	g.check("resolved for the guest", `document.querySelector("#ticket-status").textContent.trim() === "Resolved"`)
	g.checkAccessibility("the guest's resolved ticket")
	g.click(`fieldset.rating input[value="4"]`)
	g.typeInto("#rate-comment", "Fixed in a day.")
	g.follow("rating", chromedp.Click(chromedp.CSS(`.rate-form button[type="submit"]`)))
	g.check("the rating", `document.querySelector("#rating").textContent.includes("4 of 5")`)
	g.check("the comment", `document.querySelector("#rate").textContent.includes("Fixed in a day.")`)
	g.check("the address bar holds no key", `!location.search.includes("key")`)
	g.checkNoCookies()

	a.open("/en/desk/tickets/"+ref, 200)
	a.check("the rating in the history", `document.querySelector('#history li[data-kind="rated"]').textContent.includes("rated the answer 4 out of 5")`)
	a.check("the rating and its comment", `document.querySelector("#ticket-rating").textContent.includes("4 out of 5") && document.querySelector("#ticket-rating").textContent.includes("Fixed in a day.")`)
	a.checkAccessibility("the agent's rated ticket")
	if n := len(a.storedCookies()); n != 1 {
		t.Errorf("the agent's browser stores %d cookies, want the one session cookie", n)
	}
}
