package handlers

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
)

// The staff journey (issue 14), with JavaScript and 1-Click, and without
// either (every navigation a form carrying the session's token): an admin
// invites an agent on the staff page; the agent arrives by the usercode
// mailed to them (read from the .eml) and reaches the desk and a ticket; a
// second admin reads the audit log, which shows that agent's read.
func TestBrowser_AdminInvitesAnAgentWhoseReadIsOnTheRecord(t *testing.T) {
	t.Parallel()
	staffJourney(t, newBrowserTab(t), true)
}

func TestBrowser_AdminInvitesAnAgentWithoutJavaScript(t *testing.T) {
	t.Parallel()
	staffJourney(t, newBrowserTab(t, withoutJavaScript()), false)
}

// deskGo goes to a desk page from a desk page: a link with 1-Click, the
// menu's one-button form without.
func (b *browserTab) deskGo(what, path string, oneClick bool) {
	b.t.Helper()
	if oneClick {
		b.follow(what, chromedp.Click(chromedp.CSS(`.desk-menu a[href="`+path+`"]`)))
		return
	}
	b.follow(what, chromedp.Click(chromedp.CSS(`.desk-menu form[action="`+path+`"] button`)))
}

func (b *browserTab) signOutFromDesk(oneClick bool) {
	b.t.Helper()
	b.deskGo("My account", "/en/account", oneClick)
	b.follow("signing out", chromedp.Click(chromedp.CSS(`form[action="/en/account/logout"] button`)))
}

func staffJourney(t *testing.T, b *browserTab, js bool) {
	oneClick := js
	rc := guestTicket(t, b.app, "Grace Hopper", "grace@example.org", "billing", "Refund for order 7731", "Please refund my kettle.")

	b.staffLogin(accounts.Admin, "Ada Admin", "admin@example.com", oneClick)
	b.follow("opening the desk", chromedp.Click(chromedp.CSS(`#desk-entry a, #desk-entry button`)))
	b.deskGo("the staff page", "/en/desk/staff", oneClick)
	b.check("the staff page", `document.querySelector("h1").textContent === "Staff" && document.querySelectorAll("#staff tbody tr").length === 1`)
	if js {
		b.checkAccessibility("the staff page")
	}
	b.typeInto("#invite-name", "Ivan Invitee")
	b.typeInto("#invite-email", "ivan@example.org")
	b.do("choosing the role", chromedp.SetValue(chromedp.CSS("#invite-role"), "agent"))
	b.follow("inviting", chromedp.Click(chromedp.CSS(`#staff-invite button[type="submit"]`)))
	b.check("the invitation went", `document.querySelector("#desk-notice").textContent.includes("Invitation sent")`)
	b.check("the invitee's line", `document.querySelectorAll('#staff tbody tr[data-state="pending"][data-role="agent"]').length === 1`)
	usercode := b.app.usercodeFromMail(t)
	b.check("the page shows no usercode", `!document.body.textContent.includes(`+strconv.Quote(usercode)+`)`)
	if js {
		b.checkAccessibility("the staff page after an invitation")
	}
	b.signOutFromDesk(oneClick)

	// The invitee arrives by the mailed usercode.
	b.open("/en/login/staff", 200)
	b.typeInto("#usercode", usercode)
	if evalJS[bool](b, `document.querySelector('input[name="oneclick"]').checked`) != oneClick {
		b.click(`input[name="oneclick"]`)
	}
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.typeInto("#new-password", testPassword)
	b.follow("activating", chromedp.Click(chromedp.CSS(`form.account-form > p > button:not([name])`)))
	if !oneClick {
		b.follow("opening the desk", chromedp.Click(chromedp.CSS(`#desk-entry button`)))
	}
	b.check("the desk", `location.pathname === "/en/desk" && !!document.querySelector(".desk-menu")`)
	b.check("no admin pages for an agent", `!document.querySelector('.desk-menu [action="/en/desk/staff"], .desk-menu [href="/en/desk/staff"]')`)
	if oneClick {
		b.follow("opening the ticket", chromedp.Click(chromedp.CSS(`#queue-table a[href="/en/desk/tickets/`+rc.Reference+`"]`)))
	} else {
		b.follow("opening the ticket", chromedp.Click(chromedp.CSS(`#queue-table form[action="/en/desk/tickets/`+rc.Reference+`"] button`)))
	}
	b.check("the ticket", `document.querySelector(".thread").textContent.includes("Please refund my kettle.")`)
	b.signOutFromDesk(oneClick)

	// Another admin reads the record.
	b.staffLogin(accounts.Admin, "Otto Other", "otto@example.com", oneClick)
	b.follow("opening the desk", chromedp.Click(chromedp.CSS(`#desk-entry a, #desk-entry button`)))
	b.deskGo("the audit log", "/en/desk/audit", oneClick)
	b.check("the agent's read", `[...document.querySelectorAll('#audit tr[data-action="ticket.read"]')].some(r => r.textContent.includes(`+
		strconv.Quote(rc.Reference)+`))`)
	b.check("the invitation", `document.querySelectorAll('#audit tr[data-action="staff.invited"]').length === 1`)
	b.check("no ticket content", `!document.body.textContent.includes("kettle") && !document.body.textContent.includes("Grace")`)
	b.typeInto("#audit-ticket", rc.Reference)
	b.follow("filtering by the ticket", chromedp.Click(chromedp.CSS(`#audit-filter button[type="submit"]`)))
	b.check("only that ticket", `[...document.querySelectorAll('#audit tbody tr')].every(r => r.textContent.includes(`+strconv.Quote(rc.Reference)+`))`)
	if js {
		b.checkAccessibility("the audit log")
	} else {
		b.checkNoCookies()
	}
}
