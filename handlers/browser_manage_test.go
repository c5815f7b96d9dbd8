package handlers

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// loginInBrowser runs the two-step login in b from the login page of kind
// ("user", "manager"), 1-Click on or off.
func (b *browserTab) loginInBrowser(kind, usercode string, oneClick bool) {
	b.t.Helper()
	b.open("/en/login/"+kind, 200)
	b.typeInto("#usercode", usercode)
	if !oneClick {
		b.click(`input[name="oneclick"]`)
	}
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.typeInto("#password", testPassword)
	b.follow("sending the password", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
}

// TestBrowser_ManagerAddsSuspendsAndReactivatesAUser: a manager without
// 1-Click (every navigation a form carrying the session) adds a user, who
// activates in another browser; the manager sees the sign-in, suspends (the
// user's login fails), reactivates (it works again) and reads the audit log.
func TestBrowser_ManagerAddsSuspendsAndReactivatesAUser(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	usercode := (&journey{a: b.app}).registerManager(t, "Margaret Manager", "margaret@example.com")

	b.loginInBrowser("manager", usercode, false)
	b.check("My account", `document.querySelector("#account-role").textContent === "Account manager"`)
	b.checkAccessibility("My account of a manager")
	b.follow("opening the managers' area", chromedp.Click(chromedp.CSS(`#manage-open button`)))
	b.check("the empty list", `!!document.querySelector("#members-empty")`)
	b.checkAccessibility("users of the account, none yet")

	// Adding needs every field: the browser refuses an empty form.
	b.click(`#member-add button[type="submit"]`)
	b.check("still the list", `!document.querySelector("#manage-notice")`)
	b.typeInto("#member-name", "Bruno Member")
	b.typeInto("#member-email", "bruno@example.com")
	b.click(`#member-add input[name="type"][value="premium"]`)
	b.follow("adding the user", chromedp.Click(chromedp.CSS(`#member-add button[type="submit"]`)))
	b.check("the notice", `document.querySelector("#manage-notice").textContent.includes("The user was added")`)
	b.check("the new user waits", `document.querySelector("li.member[data-status=pending] h3").textContent === "Bruno Member"`)
	b.checkAccessibility("users of the account, one pending")
	member := b.app.usercodeMailedTo(t, "bruno@example.com")

	// The user's first login, in their own browser.
	o := b.otherContext()
	o.open("/en/login/user", 200)
	o.typeInto("#usercode", member)
	o.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	o.typeInto("#new-password", testPassword)
	o.follow("activating", chromedp.Click(chromedp.CSS(`form.account-form > p > button:not([name])`)))
	o.check("the user's account", `document.querySelector("#account-role").textContent === "Premium user"`)

	b.follow("reloading the list", chromedp.Click(chromedp.CSS(`.manage-nav form[action="/en/account/members"] button`)))
	b.check("active, with a last sign-in", `(function (li) {
		return li && !/Never/.test(li.querySelector(".member-last").textContent) && /UTC/.test(li.querySelector(".member-last").textContent);
	})(document.querySelector("li.member[data-status=active]"))`)
	b.checkAccessibility("users of the account, one active")

	b.follow("suspending", chromedp.Click(chromedp.CSS(`li.member form[action="/en/account/members/suspend"] button`)))
	b.check("suspended", `!!document.querySelector("li.member[data-status=suspended]")`)
	o.loginInBrowser("user", member, true)
	o.check("the suspended user's login fails", `document.querySelector("#form-error").textContent.includes("suspended")`)

	b.follow("reactivating", chromedp.Click(chromedp.CSS(`li.member form[action="/en/account/members/reactivate"] button`)))
	b.check("active again", `!!document.querySelector("li.member[data-status=active]")`)
	o.loginInBrowser("user", member, true)
	o.check("the user is back in", `document.querySelector("#account-role").textContent === "Premium user"`)

	// Closing asks for the ticked box first.
	b.click(`li.member form[action="/en/account/members/close"] button`)
	b.check("not closed without the box", `!!document.querySelector("li.member[data-status=active]")`)

	b.follow("opening the audit log", chromedp.Click(chromedp.CSS(`.manage-nav form[action="/en/account/members/audit"] button`)))
	b.check("every action, newest first", `Array.from(document.querySelectorAll("#audit tbody tr")).map(function (r) { return r.dataset.action; }).join(" ") === "reactivated suspended added"`)
	b.check("named", `document.querySelector("#audit tbody tr:last-child").textContent.includes("Added \u2068Bruno Member\u2069 as Premium user")`)
	b.checkAccessibility("audit log")

	b.check("the address bar holds no session", `!/token/.test(location.href)`)
	b.checkNoCookies()
}
