package handlers

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A user's data journey: register, open a ticket, find it in the export,
// delete the account, and the ticket is gone: its access key opens nothing.
func TestBrowser_ExportHoldsMyTicketAndDeletionErasesIt(t *testing.T) {
	t.Parallel()
	b, _ := accountJourney(t, true)
	b.open("/en/support", 200)
	b.typeInto("#support-subject", "Quince ledger mismatch")
	b.typeInto("#support-body", "The walrus invoice shows twice.")
	// With JavaScript the form is an HTMX swap, not a page load: wait for
	// the confirmation rather than for a navigation that never comes.
	b.click(`#support-form button[type="submit"]`)
	b.waitFor("the confirmation", `document.querySelector("#sent-key")`)
	ref := evalJS[string](b, `document.querySelector("#sent-ref").textContent.trim()`)
	key := evalJS[string](b, `document.querySelector("#sent-key").textContent.trim()`)

	// The export form downloads; its response, fetched as the form sends it,
	// holds the ticket.
	b.open("/en/account", 200)
	export := evalJS[string](b, `fetch("/en/account/export", {method: "POST",
		body: new URLSearchParams(new FormData(document.querySelector('form[action="/en/account/export"]')))}).then(r => r.text())`)
	for _, want := range []string{strconv.Quote(ref), `"Quince ledger mismatch"`, `"The walrus invoice shows twice."`} {
		if !strings.Contains(export, want) {
			t.Fatalf("the export lacks %s:\n%s", want, export)
		}
	}

	b.typeInto("#delete-password", testPassword)
	b.click(`form[action="/en/account/delete"] input[name="confirm"]`)
	b.follow("deleting the account", chromedp.Click(chromedp.CSS(`form[action="/en/account/delete"] button`)))
	b.check("the deletion page", `document.querySelector("h1").textContent.includes("deleted")`)

	b.open("/en/support/tickets?ref="+ref, 200)
	b.typeInto("#follow-key", key)
	b.follow("following the deleted ticket", chromedp.Click(chromedp.CSS(`.follow-form button[type="submit"]`)))
	b.waitForFocus("the error summary", `el.id === "error-summary"`)
	b.check("no ticket", `!document.querySelector(".thread")`)
	b.checkAccessibility("following a deleted ticket")
}
