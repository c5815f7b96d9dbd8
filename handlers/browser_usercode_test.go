package handlers

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// A lost usercode: from the login's link, the address, the code from the
// .eml, the new usercode shown once; it logs in, the old one does not.
func TestBrowser_LostUsercodeJourney(t *testing.T) {
	t.Parallel()
	b := newBrowserTab(t)
	j := &journey{a: b.app}
	old, _ := j.signedIn(t, "Ada Lovelace", "ada@example.com", "basic")

	b.open("/en/login/user", 200)
	b.follow("following the lost-usercode link", chromedp.Click(chromedp.CSS("#lost-usercode")))
	b.checkAccessibility("a new usercode: the address")
	b.typeInto("#usercode-email", "ada@example.com")
	b.submit("/en/usercode")
	b.check("the code step", `!!document.querySelector("#usercode-code")`)
	b.checkAccessibility("a new usercode: the code")
	b.typeInto("#usercode-code", b.app.codeFromMail(t, "ada@example.com"))
	b.submit("/en/usercode/confirm")
	fresh := evalJS[string](b, `document.querySelector("#issued-usercodes code").textContent`)
	b.checkAccessibility("a new usercode: shown once")

	login := func(usercode string) {
		b.open("/en/login/user", 200)
		b.typeInto("#usercode", usercode)
		b.click(`input[name="oneclick"]`)
		b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
		b.typeInto("#password", testPassword)
		b.follow("sending the password", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	}
	login(old)
	b.check("the old usercode fails", `!!document.querySelector("#form-error") && !document.querySelector("#account-name")`)
	login(fresh)
	b.check("the new usercode signs in", `document.querySelector("#account-name").textContent === "Ada Lovelace"`)
	b.open("/en/login/user", 200)
	b.typeInto("#usercode", fresh)
	b.follow("sending the usercode", chromedp.Click(chromedp.CSS(`form.account-form button[type="submit"]`)))
	b.check("the phrase is back", `document.querySelector("#phrase").textContent === `+strconv.Quote("silver otter hums"))
}
