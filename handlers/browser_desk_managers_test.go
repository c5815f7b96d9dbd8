package handlers

import (
	"testing"

	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
)

// A real installation: the admin comes from the CLI's function, the user
// registers through the pages; the admin makes the user a manager on the
// desk's page, and the user's next login shows the members link.
func TestBrowser_AdminMakesARegisteredUserAManager(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	b.open("/en/register", 200)
	b.typeInto("#reg-name", "Uma User")
	b.typeInto("#reg-email", "uma@example.com")
	b.follow("registering", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	usercode := b.app.usercodeFromMail(t)
	b.open("/en/login/user", 200)
	b.typeInto("#usercode", usercode)
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.typeInto("#new-password", testPassword)
	b.follow("activating", chromedp.SendKeys(chromedp.CSS("#new-password"), "\r"))
	b.check("a basic user", `document.querySelector("#account-role").textContent === "Basic user" && !document.querySelector("#manage-open")`)
	b.follow("signing out", chromedp.Click(chromedp.CSS(`form[action="/en/account/logout"] button`)))

	b.staffLogin(accounts.Admin, "Ada Admin", "admin@example.com", true)
	b.open("/en/desk/managers", 200)
	b.checkAccessibility("account managers page")
	b.typeInto("#manager-email", "uma@example.com")
	b.follow("granting", chromedp.Click(chromedp.CSS(`button[name="action"][value="grant"]`)))
	b.check("one account changed", `document.querySelector("#managers-notice").textContent.includes("Accounts changed: 1")`)
	b.check("the audit line", `document.querySelectorAll("#role-audit li").length === 1`)
	b.checkAccessibility("account managers page after a grant")
	b.follow("signing out", chromedp.Click(chromedp.CSS(`.desk-menu a[href="/en/account"]`)))
	b.follow("signing out", chromedp.Click(chromedp.CSS(`form[action="/en/account/logout"] button`)))

	b.open("/en/login/user", 200)
	b.typeInto("#usercode", usercode)
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.typeInto("#password", testPassword)
	b.follow("logging in", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("now a manager", `document.querySelector("#account-role").textContent === "Account manager" && !!document.querySelector("#manage-open")`)
}
